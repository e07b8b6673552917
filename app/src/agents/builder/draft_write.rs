//! Writing the form back as YAML, in the order people read a spec. Numbers typed in a
//! box go out as typed, so the validator judges exactly what the user wrote.

use serde_json::{Map, Value, json};

use super::draft::{CustomToolDraft, InputDraft, Rule, SpecDraft};
use crate::spec::emit::YamlWriter;

impl SpecDraft {
    pub fn to_yaml(&self) -> String {
        let mut yaml = YamlWriter::default();
        yaml.field(0, "name", &json!(self.name));
        if !self.description.is_empty() {
            yaml.field(0, "description", &json!(self.description));
        }
        let kind = if self.workflow { "workflow" } else { "agent" };
        yaml.field(0, "kind", &json!(kind));
        self.write_model(&mut yaml);
        if !self.workflow {
            yaml.field(0, "instructions", &json!(self.instructions));
            let tools: Vec<Value> = self
                .builtin_tools
                .iter()
                .map(|name| json!(name))
                .chain(self.custom_tools.iter().map(custom_tool))
                .collect();
            if !tools.is_empty() {
                yaml.field(0, "tools", &Value::Array(tools));
            }
        }
        self.write_knowledge(&mut yaml);
        if !self.inputs.is_empty() {
            yaml.open(0, "inputs");
            for input in &self.inputs {
                yaml.field(2, &input.name, &input_fields(input));
            }
        }
        for (key, value) in &self.kept {
            yaml.field(0, key, value);
        }
        if !self.rules.is_empty() {
            yaml.open(0, "invariants");
            for rule in &self.rules {
                let mut item = Map::new();
                item.insert(rule.rule.yaml_key().to_string(), rule_value(&rule.rule));
                yaml.item(2, &Value::Object(item));
            }
        }
        yaml.finish()
    }

    /// As a list of names while nothing else is set, else as the mapping.
    fn write_knowledge(&self, yaml: &mut YamlWriter) {
        let knowledge = &self.knowledge;
        if knowledge.is_empty() {
            return;
        }
        if knowledge.is_plain_list() {
            yaml.field(0, "knowledge", &json!(knowledge.bases));
            return;
        }
        yaml.open(0, "knowledge");
        yaml.field(2, "bases", &json!(knowledge.bases));
        if !matches!(knowledge.mode.as_str(), "" | "tool") {
            yaml.field(2, "mode", &json!(knowledge.mode));
        }
        if !knowledge.results.trim().is_empty() {
            yaml.raw(2, "results", knowledge.results.trim());
        }
        if !matches!(knowledge.retrieval.as_str(), "" | "hybrid") {
            yaml.field(2, "retrieval", &json!(knowledge.retrieval));
        }
    }

    fn write_model(&self, yaml: &mut YamlWriter) {
        let model = &self.model;
        yaml.open(0, "model");
        yaml.field(2, "task", &json!(model.task));
        match model.pinned().as_slice() {
            [] => {}
            [one] => yaml.field(2, "name", &json!(one)),
            many => yaml.field(2, "name", &json!(many)),
        }
        for (key, text) in [
            ("max_cost_per_run_usd", &model.max_cost),
            ("temperature", &model.temperature),
            ("max_output_tokens", &model.max_output_tokens),
            ("history_tokens", &model.history_tokens),
        ] {
            if !text.trim().is_empty() {
                yaml.raw(2, key, text.trim());
            }
        }
        if !model.prefer.is_empty() {
            yaml.field(2, "prefer", &json!(model.prefer));
        }
    }
}

fn custom_tool(tool: &CustomToolDraft) -> Value {
    let mut map = Map::new();
    map.insert("name".into(), json!(tool.name));
    map.insert("description".into(), json!(tool.description));
    map.insert("method".into(), json!(tool.method));
    map.insert("url".into(), json!(tool.url));
    if !tool.parameters.trim().is_empty() {
        map.insert("parameters".into(), json_or_text(&tool.parameters));
    }
    if !tool.headers.is_empty() {
        let headers: Map<String, Value> = tool
            .headers
            .iter()
            .map(|header| {
                let mut fields = Map::new();
                fields.insert("secret".into(), json!(header.secret));
                if !header.prefix.is_empty() {
                    fields.insert("prefix".into(), json!(header.prefix));
                }
                (header.name.clone(), Value::Object(fields))
            })
            .collect();
        map.insert("headers".into(), Value::Object(headers));
    }
    Value::Object(map)
}

fn input_fields(input: &InputDraft) -> Value {
    let mut map = Map::new();
    map.insert("type".into(), json!(input.kind));
    if input.required {
        map.insert("required".into(), json!(true));
    }
    if !input.description.is_empty() {
        map.insert("description".into(), json!(input.description));
    }
    if !input.default.is_empty() {
        let default = match input.kind.as_str() {
            "string" => json!(input.default),
            _ => json_or_text(&input.default),
        };
        map.insert("default".into(), default);
    }
    Value::Object(map)
}

fn rule_value(rule: &Rule) -> Value {
    match rule {
        Rule::MaxSteps(text)
        | Rule::MaxCost(text)
        | Rule::MaxTokens(text)
        | Rule::MaxConversationCost(text) => json_or_text(text),
        Rule::OutputSchema(text) => json_or_text(text),
        Rule::MustContain(lines) | Rule::MustNotContain(lines) => Value::Array(
            lines
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .map(|line| json!(line))
                .collect(),
        ),
        Rule::AllowedTools(names) => json!(names),
        Rule::Assert(assert) => {
            let mut map = Map::new();
            map.insert("path".into(), json!(assert.path));
            map.insert("op".into(), json!(assert.op));
            map.insert("value".into(), json_or_text(&assert.value));
            if !assert.message.is_empty() {
                map.insert("message".into(), json!(assert.message));
            }
            Value::Object(map)
        }
    }
}

/// What was typed, read as JSON when it is JSON (a number, a schema), else as text; the
/// validator then says what is wrong with it.
fn json_or_text(text: &str) -> Value {
    serde_json::from_str(text.trim()).unwrap_or_else(|_| json!(text))
}

#[cfg(test)]
mod tests {
    use crate::spec::{TEMPLATES, parse_spec};

    use super::super::draft::{Rule, SpecDraft};

    #[test]
    fn every_template_survives_the_form_unchanged() {
        for template in TEMPLATES.iter() {
            let draft = SpecDraft::from_yaml(template.yaml).expect(template.slug);
            let written = draft.to_yaml();
            assert_eq!(
                parse_spec(&written).expect(&written),
                parse_spec(template.yaml).expect(template.slug),
                "{written}"
            );
            let again = SpecDraft::from_yaml(&written).expect("reads back");
            assert_eq!(again.to_yaml(), written);
        }
    }

    #[test]
    fn a_bad_value_stays_as_typed_and_is_reported_at_its_field() {
        let mut draft = SpecDraft::from_yaml(TEMPLATES[0].yaml).expect("blank");
        draft.model.max_cost = "lots".into();
        draft.add_rule("max_tokens");
        let key = draft.rules.last().map(|r| r.key).expect("rule");
        if let Some(Rule::MaxTokens(text)) = draft.rule_mut(key) {
            *text = "-3".into();
        }
        let errors = parse_spec(&draft.to_yaml()).expect_err("invalid").0;
        let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
        assert!(paths.contains(&"model.max_cost_per_run_usd"), "{paths:?}");
        assert!(paths.contains(&"invariants[1].max_tokens"), "{paths:?}");
        let reread = SpecDraft::from_yaml(&draft.to_yaml()).expect("still a draft");
        assert_eq!(reread.model.max_cost, "lots");
    }

    #[test]
    fn pinned_models_are_one_name_or_a_list() {
        let mut draft = SpecDraft::from_yaml(TEMPLATES[0].yaml).expect("blank");
        draft.model.models = "gpt-4.1-mini".into();
        let one = parse_spec(&draft.to_yaml()).expect("one model");
        assert_eq!(one.model.models, ["gpt-4.1-mini"]);
        draft.model.models = " claude-haiku-4-5, local/qwen2.5 ,".into();
        let written = draft.to_yaml();
        let two = parse_spec(&written).expect("two models");
        assert_eq!(two.model.models, ["claude-haiku-4-5", "local/qwen2.5"]);
        let reread = SpecDraft::from_yaml(&written).expect("reads back");
        assert_eq!(reread.model.models, "claude-haiku-4-5, local/qwen2.5");
    }

    #[test]
    fn knowledge_is_a_list_until_a_mode_count_or_ranking_is_set() {
        let yaml = "name: Helper\ninstructions: Answer\nknowledge: [support, handbook]\n";
        let mut draft = SpecDraft::from_yaml(yaml).expect("a draft");
        assert_eq!(draft.knowledge.bases, ["support", "handbook"]);
        let written = draft.to_yaml();
        assert!(
            written.contains("\nknowledge: [support, handbook]\n"),
            "{written}"
        );
        assert_eq!(
            parse_spec(&written).expect("valid"),
            parse_spec(yaml).expect("valid")
        );

        draft.knowledge.retrieval = "hybrid".into();
        assert!(
            draft
                .to_yaml()
                .contains("\nknowledge: [support, handbook]\n")
        );

        draft.knowledge.mode = "always".into();
        draft.knowledge.results = "3".into();
        draft.knowledge.retrieval = "keyword".into();
        let written = draft.to_yaml();
        let spec = parse_spec(&written).expect(&written);
        let crate::spec::SpecBody::Agent(agent) = spec.body else {
            panic!("an agent")
        };
        let knowledge = agent.knowledge.expect("knowledge");
        assert!(knowledge.always);
        assert_eq!(knowledge.results, 3);
        assert_eq!(knowledge.retrieval, crate::knowledge::Retrieval::Keyword);
        assert_eq!(SpecDraft::from_yaml(&written).expect("reads back"), draft);

        draft.knowledge.retrieval = "fuzzy".into();
        let errors = parse_spec(&draft.to_yaml()).expect_err("invalid").0;
        assert!(
            errors.iter().any(|e| e.path == "knowledge.retrieval"
                && e.message.contains("unknown retrieval `fuzzy`")),
            "{errors:?}"
        );
        draft.knowledge.retrieval = "keyword".into();

        draft.knowledge.results = "many".into();
        let errors = parse_spec(&draft.to_yaml()).expect_err("invalid").0;
        assert!(
            errors.iter().any(|e| e.path == "knowledge.results"),
            "{errors:?}"
        );

        draft.knowledge = Default::default();
        assert!(!draft.to_yaml().contains("knowledge"));
    }

    #[test]
    fn a_conversations_budget_and_ceiling_survive_the_form() {
        let yaml = "name: Pen pal\ninstructions: Chat\nmodel:\n  history_tokens: 4000\ninvariants:\n  - max_conversation_cost_usd: 0.5\n";
        let draft = SpecDraft::from_yaml(yaml).expect("a draft");
        assert_eq!(draft.model.history_tokens, "4000");
        assert!(matches!(&draft.rules[0].rule, Rule::MaxConversationCost(text) if text == "0.5"));
        assert_eq!(
            parse_spec(&draft.to_yaml()).expect("valid"),
            parse_spec(yaml).expect("valid")
        );
    }

    #[test]
    fn fields_the_form_has_no_place_for_are_refused_not_dropped() {
        let error =
            SpecDraft::from_yaml("name: x\ninstructions: y\ncolour: blue\n").expect_err("refused");
        assert!(error.contains("`colour`"), "{error}");
        assert!(SpecDraft::from_yaml("name: [unclosed").is_err());
    }
}
