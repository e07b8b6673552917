//! The agent builder: a visual form in sections and a YAML tab, kept in step both ways.
//! The YAML text is what gets saved; the form edits a [`SpecDraft`] and rewrites the
//! YAML on every change, and reads the YAML again when the user comes back to it. The
//! validator (the server's own, compiled into the page) checks the text on every change
//! and its errors are shown at their fields and as a list that jumps to their lines.

mod draft;
mod draft_read;
mod draft_write;
mod fields;
mod inputs_section;
mod knowledge_section;
mod model_section;
mod rules_section;
mod template_gallery;
mod tools_section;
mod yaml_panel;

use leptos::prelude::*;

use draft::SpecDraft;
use fields::Section;
use inputs_section::InputsSection;
use knowledge_section::KnowledgeSection;
use model_section::{BasicsSection, InstructionsSection, ModelSection};
use rules_section::RulesSection;
pub use template_gallery::TemplateGallery;
use tools_section::ToolsSection;
use yaml_panel::{ProblemList, YamlPanel};

use crate::components::CodeText;
use crate::islands::{Later, soon};
use crate::knowledge::KnowledgeChoice;
use crate::spec::{SpecError, parse_spec};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tab {
    Form,
    Yaml,
}

/// The builder's state, shared by its sections.
#[derive(Clone, Copy)]
pub struct Builder {
    draft: RwSignal<SpecDraft>,
    /// The spec as saved; the form writes it, the YAML tab edits it directly.
    pub text: RwSignal<String>,
    problems: Memo<Vec<SpecError>>,
    tab: RwSignal<Tab>,
    /// Why the form cannot show the YAML as it stands, if it cannot.
    form_note: RwSignal<Option<String>>,
    yaml_area: NodeRef<leptos::html::Textarea>,
    /// The team's knowledge bases, to tick.
    knowledge_choices: StoredValue<Vec<KnowledgeChoice>>,
}

impl Builder {
    pub fn new(yaml: String, knowledge_choices: Vec<KnowledgeChoice>) -> Builder {
        let text = RwSignal::new(yaml);
        let builder = Builder {
            draft: RwSignal::new(SpecDraft::default()),
            text,
            problems: Memo::new(move |_| match parse_spec(&text.get()) {
                Ok(_) => Vec::new(),
                Err(errors) => errors.0,
            }),
            tab: RwSignal::new(Tab::Form),
            form_note: RwSignal::new(None),
            yaml_area: NodeRef::new(),
            knowledge_choices: StoredValue::new(knowledge_choices),
        };
        // Hydrating, the YAML is read in a task of its own, before anything that shows
        // the form hydrates (all of it is in `Later` parts: see `SpecFormBody`), so a
        // phone's main thread is never held long.
        soon(move || {
            builder.read_yaml();
            if builder.form_note.with_untracked(Option::is_some) {
                builder.tab.set(Tab::Yaml);
            }
        });
        builder
    }

    /// Changes the form and writes the YAML from it.
    pub fn edit(&self, change: impl FnOnce(&mut SpecDraft)) {
        self.draft.update(change);
        self.text.set(self.draft.with_untracked(SpecDraft::to_yaml));
    }

    /// Brings the form up to date with the YAML text.
    fn read_yaml(&self) {
        match SpecDraft::from_yaml(&self.text.get_untracked()) {
            Ok(draft) => {
                self.draft.set(draft);
                self.form_note.set(None);
            }
            Err(note) => self.form_note.set(Some(note)),
        }
    }

    pub fn is_valid(&self) -> bool {
        self.problems.with(Vec::is_empty)
    }

    /// The messages of errors at `path` or inside it.
    fn errors_at(&self, path: &str) -> Vec<String> {
        self.errors_where(|at| is_under(at, path))
    }

    fn errors_where(&self, wanted: impl Fn(&str) -> bool) -> Vec<String> {
        self.problems.with(|problems| {
            problems
                .iter()
                .filter(|error| wanted(&error.path))
                .map(|error| error.message.clone())
                .collect()
        })
    }

    fn read<T>(&self, get: impl FnOnce(&SpecDraft) -> T) -> T {
        self.draft.with(get)
    }
}

fn is_under(path: &str, field: &str) -> bool {
    path.strip_prefix(field)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
}

#[component]
pub fn SpecBuilder(builder: Builder) -> impl IntoView {
    let tab_button = move |tab: Tab, label: &'static str, id: &'static str, panel: &'static str| {
        view! {
            <button type="button" role="tab" id=id aria-controls=panel
                aria-selected=move || (builder.tab.get() == tab).to_string()
                on:click=move |_| {
                    if tab == Tab::Form {
                        builder.read_yaml();
                    }
                    builder.tab.set(tab);
                }
                class="rounded-md px-3 py-1.5 text-sm font-medium aria-selected:bg-white aria-selected:shadow-sm dark:aria-selected:bg-slate-800">
                {label}
            </button>
        }
    };
    let is_workflow = move || builder.read(|d| d.workflow);
    view! {
        // Until the page hydrates (or without JavaScript) style/main.css shows only the
        // YAML tab: the form cannot work without the client, a text area can.
        <div id="spec-tabs" role="tablist" aria-label="Edit the spec as"
            class="mb-3 inline-flex gap-1 rounded-lg bg-slate-100 p-1 dark:bg-slate-900">
            {tab_button(Tab::Form, "Form", "tab-form", "spec-form-panel")}
            {tab_button(Tab::Yaml, "YAML", "tab-yaml", "spec-yaml-panel")}
        </div>
        <div id="spec-form-panel" role="tabpanel" aria-labelledby="tab-form" class="space-y-4"
            hidden=move || builder.tab.get() != Tab::Form>
            {move || builder.form_note.get().map(|note| view! {
                <p role="status" class="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200">{note}</p>
            })}
            <div class="space-y-4" hidden=move || builder.form_note.with(Option::is_some)>
                <BasicsSection builder />
                <ModelSection builder />
                <Show when=move || !is_workflow()>
                    <InstructionsSection builder />
                    <ToolsSection builder />
                    <KnowledgeSection builder />
                </Show>
                <InputsSection builder />
                <Show when=is_workflow>
                    <Section title="Nodes and edges">
                        <p class="text-sm text-slate-600 dark:text-slate-400">"A workflow's nodes, edges and entry are edited in the YAML tab; the run page draws the graph."</p>
                    </Section>
                </Show>
                <RulesSection builder />
            </div>
        </div>
        <div id="spec-yaml-panel" role="tabpanel" aria-labelledby="tab-yaml"
            hidden=move || builder.tab.get() != Tab::Yaml>
            <Later>
                <YamlPanel builder />
            </Later>
        </div>
        <Later>
            <ProblemList builder />
        </Later>
    }
}

/// What a spec form holds besides its hidden fields: the builder, the server's answer
/// when a save failed, and the save button (disabled while the spec has errors).
#[component]
pub fn SpecFormBody(
    builder: Builder,
    #[prop(into)] error: Signal<Option<String>>,
    label: &'static str,
) -> impl IntoView {
    view! {
        <Later>
            <SpecBuilder builder />
        </Later>
        <Later class="space-y-3">
            {move || error.get().map(|e| view! { <p role="alert" class="whitespace-pre-wrap text-sm text-rose-600"><CodeText text=e /></p> })}
            <button type="submit" prop:disabled=move || !builder.is_valid()
                class="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500 disabled:cursor-not-allowed disabled:opacity-50">
                {label}
            </button>
        </Later>
    }
}
