use leptos::prelude::*;

use super::{
    AcknowledgeRecoveryCodes, ConfirmTwoFactor, DisableTwoFactor, RenewRecoveryCodes,
    StartTwoFactor, TwoFactorStatus, get_two_factor,
};
use crate::auth::form_parts::{FormAlert, SubmitButton, TextField};
use crate::components::shown_once;
use crate::error::AppError;

const BUTTON: &str = "rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800";

/// Two-factor sign-in: set it up (scan, then confirm with a first code), keep the
/// recovery codes, make new ones, or turn it off with a current code. Each step is a
/// plain post and its state lives on the server, so the page it comes back to shows the
/// next one; only "turned off" is said once (`shown_once`).
#[component]
pub fn TwoFactorCard(card: &'static str) -> impl IntoView {
    let start = ServerAction::<StartTwoFactor>::new();
    let confirm = ServerAction::<ConfirmTwoFactor>::new();
    let saved = ServerAction::<AcknowledgeRecoveryCodes>::new();
    let renew = ServerAction::<RenewRecoveryCodes>::new();
    let disable = ServerAction::<DisableTwoFactor>::new();
    let status = Resource::new(|| (), |_| get_two_factor());
    let failed = |result: Option<Result<(), AppError>>| result.and_then(Result::err);
    let start_error = Signal::derive(move || failed(start.value().get()));
    let confirm_error = Signal::derive(move || failed(confirm.value().get()));
    let renew_error = Signal::derive(move || failed(renew.value().get()));
    let disable_error = Signal::derive(move || failed(disable.value().get()));
    let turned_off = shown_once::<()>("two-factor-off").is_some();

    let body = move |status: TwoFactorStatus| {
        if !status.fresh_codes.is_empty() {
            return view! {
                <p class="mb-2 text-sm">
                    <strong>"Save your recovery codes. "</strong>
                    "Each one signs you in once if you lose your phone. They are not shown again."
                </p>
                <ol class="mb-3 grid grid-cols-2 gap-1 rounded-md bg-slate-100 p-3 font-mono text-sm dark:bg-slate-950" data-testid="recovery-codes">
                    {status.fresh_codes.into_iter().map(|code| view! { <li>{code}</li> }).collect_view()}
                </ol>
                <ActionForm action=saved>
                    <button type="submit" class=BUTTON>"I have saved them"</button>
                </ActionForm>
            }
            .into_any();
        }
        if status.enabled {
            let left = status.recovery_codes_left;
            let required = status.required_by.map(|team| {
                view! { <p class="mb-3 text-sm">{team} " requires it, so it stays on while you are a member."</p> }
            });
            let may_disable = required.is_none();
            return view! {
                <p class="mb-3 text-sm">
                    <span class="rounded-full bg-emerald-100 px-2.5 py-0.5 text-xs font-medium text-emerald-800 dark:bg-emerald-950 dark:text-emerald-200">"On"</span>
                    " Signing in asks for a code from your authenticator app. "
                    {format!("{left} recovery code{} left.", if left == 1 { "" } else { "s" })}
                </p>
                {required}
                <ActionForm action=renew attr:class="mb-4">
                    <TextField label="Current code, for new recovery codes" name="code" id="renew-code" autocomplete="one-time-code" error=renew_error />
                    <FormAlert error=renew_error />
                    <button type="submit" class=BUTTON>"Make new recovery codes"</button>
                </ActionForm>
                {may_disable.then(|| view! {
                    <ActionForm action=disable>
                        <TextField label="Current code, to turn it off" name="code" id="disable-code" autocomplete="one-time-code" error=disable_error />
                        <FormAlert error=disable_error />
                        <button type="submit" class=BUTTON>"Turn off two-factor"</button>
                    </ActionForm>
                })}
            }
            .into_any();
        }
        if let Some(enrolment) = status.pending {
            return view! {
                <ol class="mb-3 list-decimal space-y-1 pl-5 text-sm">
                    <li>"Scan this code with an authenticator app (1Password, Google Authenticator, Authy…)."</li>
                    <li>"Enter the six-digit code it shows."</li>
                </ol>
                <div class="mb-2 w-48 rounded-md bg-white p-1" role="img" aria-label="QR code for your authenticator app" inner_html=enrolment.qr_svg></div>
                <p class="mb-3 text-xs text-slate-600 dark:text-slate-400">
                    "Cannot scan? Type this key: "
                    <code class="font-mono text-slate-900 dark:text-slate-100" data-testid="totp-secret">{enrolment.secret}</code>
                </p>
                <ActionForm action=confirm>
                    <TextField label="Code from the app" name="code" autocomplete="one-time-code" error=confirm_error />
                    <FormAlert error=confirm_error />
                    <SubmitButton label="Turn on two-factor" busy_label="Checking…" pending=confirm.pending().into() />
                </ActionForm>
            }
            .into_any();
        }
        view! {
            <p class="mb-3 text-sm text-slate-600 dark:text-slate-400">
                "Off. With it on, signing in also asks for a code from an app on your phone, so a stolen password is not enough."
            </p>
            {turned_off.then(|| view! { <p role="status" class="mb-2 text-sm">"Two-factor sign-in is off."</p> })}
            <ActionForm action=start>
                <FormAlert error=start_error />
                <button type="submit" class=BUTTON>"Set up two-factor"</button>
            </ActionForm>
        }
        .into_any()
    };

    view! {
        <section class=card aria-labelledby="profile-two-factor" id="two-factor">
            <h2 id="profile-two-factor" class="mb-2 font-medium">"Two-factor sign-in"</h2>
            <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(status) => body(status),
                        Err(error) => view! { <p role="alert" class="text-sm text-rose-600">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
