//! A template's ratings and reviews: the histogram, the list with the creator's
//! replies, the review form for teams that deployed it, and the creator's reply form.

use leptos::form::ActionForm;
use leptos::prelude::*;

use super::{ReplyToReview, ReviewTemplate, ReviewView, TemplateView};
use crate::components::CARD;

const FIELD: &str = "w-full rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950";
const BUTTON: &str = "rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800";

#[component]
pub fn RatingsHistogram(histogram: [i64; 5], count: i64) -> impl IntoView {
    let most = histogram.iter().copied().max().unwrap_or(0).max(1);
    view! {
        <section class=CARD aria-labelledby="ratings-title">
            <h2 id="ratings-title" class="mb-2 font-medium">"Ratings"</h2>
            <ul class="space-y-1" data-testid="histogram">
                {(1..=5).rev().map(|stars| {
                    let n = histogram.get(stars - 1).copied().unwrap_or(0);
                    let width = n * 100 / most;
                    view! {
                        <li class="flex items-center gap-2 text-xs" aria-label=format!("{stars} stars: {n}")>
                            <span class="w-6 text-right">{format!("{stars}★")}</span>
                            <span class="h-2 flex-1 rounded bg-slate-100 dark:bg-slate-800">
                                <span class="block h-2 rounded bg-amber-400" style=format!("width: {width}%")></span>
                            </span>
                            <span class="w-6 text-slate-500">{n}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
            {(count == 0).then(|| view! { <p class="mt-2 text-xs text-slate-500">"No ratings yet."</p> })}
        </section>
    }
}

/// Server-rendered: a review or a reply posts as a plain form and the page comes back
/// with it (or with the error).
#[component]
pub fn Reviews(view: TemplateView) -> impl IntoView {
    let review = ServerAction::<ReviewTemplate>::new();
    let reply = ServerAction::<ReplyToReview>::new();
    let error = move || {
        [review.value().get(), reply.value().get()]
            .into_iter()
            .flatten()
            .find_map(Result::err)
    };
    let access = view.access.clone();
    let template_id = view.card.id.to_string();
    let form = (access.deployed && !access.is_creator).then(|| {
        let mine = access.my_review.clone();
        let rating = mine.as_ref().map_or(5, |r| r.rating);
        let body = mine.as_ref().map(|r| r.body.clone()).unwrap_or_default();
        view! {
            <ActionForm action=review attr:class="mb-4 space-y-2" attr:aria-label="Your review">
                <input type="hidden" name="template_id" value=template_id.clone() />
                <div class="flex flex-wrap items-end gap-2">
                    <div>
                        <label for="review-rating" class="mb-1 block text-sm font-medium">"Your rating"</label>
                        <select id="review-rating" name="rating" class="rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950">
                            {(1..=5).rev().map(|n: i16| view! { <option value=n.to_string() selected=n == rating>{format!("{n} star{}", if n == 1 { "" } else { "s" })}</option> }).collect_view()}
                        </select>
                    </div>
                </div>
                <label for="review-body" class="block text-sm font-medium">"Review"</label>
                <textarea id="review-body" name="body" rows="3" maxlength="5000" class=FIELD placeholder="What did it do well? What could be better?">{body}</textarea>
                <button type="submit" class=BUTTON>{if mine.is_some() { "Update review" } else { "Post review" }}</button>
            </ActionForm>
        }
    });
    let hint = (!access.deployed && !access.is_creator).then(|| view! {
        <p class="mb-3 text-xs text-slate-500">"Teams that deployed this template can review it."</p>
    });
    let is_creator = access.is_creator;
    view! {
        <section class=CARD aria-labelledby="reviews-title">
            <h2 id="reviews-title" class="mb-3 font-medium">{format!("Reviews ({})", view.reviews.len())}</h2>
            {form}
            {hint}
            {move || error().map(|e| view! { <p role="alert" class="mb-2 text-sm text-rose-600">{e.to_string()}</p> })}
            {if view.reviews.is_empty() {
                view! { <p class="text-sm text-slate-500">"No reviews yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="divide-y divide-slate-100 dark:divide-slate-800" data-testid="reviews">
                        {view.reviews.into_iter().map(|r| view! { <Review review=r is_creator reply /> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn Review(
    review: ReviewView,
    is_creator: bool,
    reply: ServerAction<ReplyToReview>,
) -> impl IntoView {
    let filled = usize::try_from(review.rating).unwrap_or(0).min(5);
    let stars = format!("{}{}", "★".repeat(filled), "☆".repeat(5 - filled));
    let id = review.id.to_string();
    view! {
        <li class="py-3">
            <p class="text-sm"><span class="text-amber-500" aria-label=format!("{} stars", review.rating)>{stars}</span>
                " " <span class="font-medium">{review.author.clone()}</span>
                <span class="text-xs text-slate-500">{format!(" · {}", review.created)}</span></p>
            {(!review.body.is_empty()).then(|| view! { <p class="mt-1 whitespace-pre-line text-sm">{review.body.clone()}</p> })}
            {review.reply.clone().map(|text| view! {
                <p class="mt-2 border-l-2 border-indigo-300 pl-3 text-sm text-slate-600 dark:text-slate-400">
                    <span class="font-medium">"Creator's reply: "</span>{text}
                </p>
            })}
            {is_creator.then(|| view! {
                <ActionForm action=reply attr:class="mt-2 flex gap-2">
                    <input type="hidden" name="review_id" value=id.clone() />
                    <label for=format!("reply-{id}") class="sr-only">"Reply"</label>
                    <input id=format!("reply-{id}") name="reply" maxlength="5000" placeholder="Reply as the creator" class=FIELD value=review.reply.clone().unwrap_or_default() />
                    <button type="submit" class=BUTTON>"Reply"</button>
                </ActionForm>
            })}
        </li>
    }
}
