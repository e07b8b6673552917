use super::*;

const MARKET: &str = include_str!("examples/market_research.yaml");
const IDEA: &str = include_str!("examples/idea_validator.yaml");

fn errors(text: &str) -> Vec<SpecError> {
    match parse_spec(text) {
        Ok(spec) => panic!("expected errors, parsed {spec:?}"),
        Err(SpecErrors(list)) => list,
    }
}

fn has(list: &[SpecError], path: &str, line: u32, fragment: &str) {
    assert!(
        list.iter()
            .any(|e| e.path == path && e.line == line && e.message.contains(fragment)),
        "no error at {path} line {line} containing {fragment:?} in {list:#?}"
    );
}

#[test]
fn the_example_agent_parses() {
    let spec = parse_spec(MARKET).expect("valid");
    assert_eq!(spec.name, "Market Research Agent");
    assert_eq!(spec.model.task, TaskType::Research);
    assert_eq!(spec.model.max_cost_per_run, Some(MicroUsd(50_000)));
    let SpecBody::Agent(agent) = &spec.body else {
        panic!("agent")
    };
    assert_eq!(agent.tools.len(), 3);
    assert_eq!(agent.invariants.max_steps, Some(8));
    assert_eq!(
        agent.invariants.must_not_contain,
        vec!["guaranteed returns".to_string()]
    );
    assert!(agent.invariants.output_schema.is_some());
    assert_eq!(spec.inputs[0].name, "query");
    assert!(spec.inputs[0].required);
}

#[test]
fn the_idea_validator_workflow_parses() {
    let spec = parse_spec(IDEA).expect("valid");
    let SpecBody::Workflow(flow) = &spec.body else {
        panic!("workflow")
    };
    assert_eq!(flow.entry, "screen");
    assert_eq!(flow.nodes.len(), 8);
    assert_eq!(flow.edges.len(), 10);
    let Some(Node {
        kind: NodeKind::Agent { agent, model },
        ..
    }) = flow.node("synthesis")
    else {
        panic!()
    };
    assert_eq!(agent.invariants.asserts.len(), 3);
    assert_eq!(
        model.as_ref().map(|m| m.task),
        Some(TaskType::ComplexReasoning)
    );
}

#[test]
fn json_is_accepted_too() {
    let spec = parse_spec(r#"{"name": "J", "instructions": "Say hi", "tools": ["calculator"]}"#)
        .expect("valid");
    assert_eq!(spec.kind(), "agent");
}

#[test]
fn every_error_comes_back_with_its_line() {
    let text = "name: Bad\nmodel:\n  task: dreaming\n  colour: red\ninstructions: ''\ntools: [calculator, teleport]\ninvariants:\n  - max_steps: 500\n  - max_cost_usd: -1\n";
    let list = errors(text);
    has(&list, "model.task", 3, "unknown task `dreaming`");
    has(&list, "model.colour", 4, "unknown field `colour`");
    has(&list, "instructions", 5, "must not be empty");
    has(&list, "tools[1]", 6, "unknown tool `teleport`");
    has(&list, "invariants[0].max_steps", 8, "between 1 and 50");
    has(&list, "invariants[1].max_cost_usd", 9, "dollar amount");
    assert_eq!(list.len(), 6, "{list:#?}");
}

#[test]
fn missing_fields_and_unknown_fields() {
    let list = errors("description: x\nsurprise: 1\n");
    has(&list, "", 1, "missing required field `name`");
    has(&list, "", 1, "missing required field `instructions`");
    has(&list, "surprise", 2, "unknown field");
}

#[test]
fn yaml_syntax_errors_have_a_location() {
    let list = errors("name: x\ninstructions: [unclosed\n");
    assert_eq!(list.len(), 1);
    assert!(list[0].line >= 2, "{list:?}");
    assert!(list[0].message.starts_with("invalid YAML"));
    let list = errors("name: a\nname: b\ninstructions: x\n");
    has(&list, "", 2, "appears twice");
    assert!(errors("- a\n- b\n")[0].message.contains("mapping"));
}

#[test]
fn size_limits_hold() {
    let huge = format!(
        "name: x\ninstructions: \"{}\"\n",
        "a".repeat(MAX_SPEC_BYTES)
    );
    assert!(errors(&huge)[0].message.contains("limit"));
    let long = format!("name: x\ninstructions: \"{}\"\n", "a".repeat(20_001));
    has(
        &errors(&long),
        "instructions",
        2,
        "at most 20000 characters",
    );
    let name = format!("name: {}\ninstructions: x\n", "n".repeat(101));
    has(&errors(&name), "name", 1, "at most 100");
}

#[test]
fn placeholders_must_name_inputs() {
    let list = errors(
        "name: x\ninputs:\n  topic: {type: string}\ninstructions: 'About {{input.topik}}'\n",
    );
    has(
        &list,
        "instructions",
        4,
        "unknown placeholder `{{input.topik}}`",
    );
}

#[test]
fn custom_tools_take_secrets_by_reference_only() {
    let text = r#"name: CRM
instructions: Look up customers.
tools:
  - name: crm_lookup
    description: Finds a customer by id
    url: https://crm.example.com/customers/{id}
    parameters: { type: object, properties: { id: { type: string } }, required: [id] }
    headers:
      Authorization: { secret: CRM_TOKEN, prefix: "Bearer " }
"#;
    let spec = parse_spec(text).expect("valid");
    let SpecBody::Agent(agent) = spec.body else {
        panic!()
    };
    let ToolRef::Custom(tool) = &agent.tools[0] else {
        panic!()
    };
    assert_eq!(tool.method, "GET");
    assert_eq!(tool.headers[0].secret, "CRM_TOKEN");

    let inline = text.replace(
        "{ secret: CRM_TOKEN, prefix: \"Bearer \" }",
        "Bearer sk-live-123",
    );
    has(
        &errors(&inline),
        "tools[0].headers.Authorization",
        9,
        "reference a team secret",
    );
    let bad_url = text.replace("{id}", "{customer}");
    has(
        &errors(&bad_url),
        "tools[0]",
        4,
        "no parameter is named `customer`",
    );
    let file = text.replace("https://crm", "file://crm");
    has(&errors(&file), "tools[0].url", 6, "https://");
}

#[test]
fn invariants_are_checked() {
    let text = "name: x\ninstructions: y\ntools: [calculator]\ninvariants:\n  - allowed_tools: [web_search]\n  - output_schema: { type: objekt }\n  - assert: { path: score, op: '>', value: high }\n  - max_steps: 3\n  - max_steps: 4\n";
    let list = errors(text);
    has(
        &list,
        "invariants[0].allowed_tools",
        5,
        "not among this agent's tools",
    );
    has(&list, "invariants[1].output_schema", 6, "invalid schema");
    has(&list, "invariants[2].assert.path", 7, "JSON Pointer");
    has(&list, "invariants[2].assert", 7, "must be a number");
    has(&list, "invariants[4].max_steps", 9, "given twice");
}

#[test]
fn a_schema_problem_is_reported_at_its_own_line() {
    let text = r#"name: x
instructions: y
tools:
  - name: lookup
    url: https://crm.example.com/find
    parameters:
      type: object
      properties:
        id: { type: integr }
invariants:
  - output_schema:
      type: object
      properties:
        code: { type: string, pattern: "([a-z]" }
"#;
    let list = errors(text);
    has(
        &list,
        "tools[0].parameters",
        9,
        "invalid parameters schema at /properties/id/type",
    );
    has(
        &list,
        "invariants[0].output_schema",
        14,
        "invalid schema at /properties/code/pattern",
    );
    has(&list, "invariants[0].output_schema", 14, "unclosed group");
}

#[test]
fn schemas_beyond_the_old_subset_are_accepted() {
    let text = r##"name: x
instructions: y
invariants:
  - output_schema:
      $defs:
        source: { type: object, required: [url], properties: { url: { type: string, format: uri } } }
      type: object
      properties:
        sources: { type: array, items: { $ref: "#/$defs/source" } }
        contact: { oneOf: [{ type: string, format: email }, { type: string, pattern: "^[+][0-9]+$" }] }
        range: { type: array, prefixItems: [{ type: number }, { type: number }], items: false }
"##;
    parse_spec(text).expect("a valid 2020-12 schema is accepted");
}

#[test]
fn workflow_graph_rules() {
    let text = r#"name: W
kind: workflow
entry: start
nodes:
  start: { type: router, by: keywords, routes: { billing: [invoice] }, default: other }
  billing: { instructions: Handle billing }
  orphan: { instructions: Never reached }
  lonely: { type: join }
edges:
  - { from: start, to: billing, when: refunds }
  - { from: billing, to: start }
  - { from: billing, to: lonely }
"#;
    let list = errors(text);
    has(&list, "edges[0]", 10, "has no label `refunds`");
    has(&list, "", 1, "`orphan` cannot be reached");
    has(&list, "", 1, "join `lonely` needs at least two");
    has(&list, "", 1, "cycle");
}

#[test]
fn templates_render_inputs_and_state() {
    let out = references::render(
        "Q: {{input.q}} / {{ state.a }} / {{other.x}}",
        |scope, name| match (scope, name) {
            ("input", "q") => Some("why".into()),
            ("state", "a") => Some("A".into()),
            _ => None,
        },
    );
    assert_eq!(out, "Q: why / A / {{other.x}}");
}

#[test]
fn a_spec_pins_models_the_catalogue_knows() {
    let spec =
        parse_spec("name: x\nmodel:\n  name: [gpt-4.1-mini, local/qwen2.5]\ninstructions: y\n")
            .expect("valid");
    assert_eq!(spec.model.models, ["gpt-4.1-mini", "local/qwen2.5"]);

    let list = errors("name: x\nmodel:\n  name: gpt-7\ninstructions: y\n");
    has(&list, "model.name", 3, "unknown model `gpt-7`");
    let list = errors("name: x\nmodel:\n  name: [a, b, c, d, e, f]\ninstructions: y\n");
    assert!(list.iter().any(|e| e.path == "model.name"), "{list:#?}");
    // Tools need a model that calls them: the agent's own, or a workflow node's.
    let list = errors("name: x\nmodel:\n  name: sonar\ninstructions: y\ntools: [calculator]\n");
    has(&list, "model.name", 3, "`sonar` cannot call tools");
    parse_spec("name: x\nmodel:\n  name: sonar\ninstructions: y\n").expect("no tools, fine");
    let flow = "name: f\nkind: workflow\nentry: a\nnodes:\n  a:\n    instructions: y\n    tools: [calculator]\n    model:\n      name: sonar-pro\n";
    let list = errors(flow);
    has(
        &list,
        "nodes.a.model.name",
        9,
        "`sonar-pro` cannot call tools",
    );
}

#[test]
fn a_conversation_has_a_history_budget_and_a_cost_ceiling() {
    let spec = parse_spec(
        "name: Pen pal\ninstructions: Chat\nmodel:\n  history_tokens: 4000\ninvariants:\n  - max_conversation_cost_usd: 0.50\n",
    )
    .expect("valid");
    assert_eq!(spec.model.history_tokens, Some(4_000));
    let SpecBody::Agent(agent) = &spec.body else {
        panic!("agent")
    };
    assert_eq!(
        agent.invariants.max_conversation_cost,
        Some(MicroUsd(500_000))
    );
    // Specs saved before these existed read as having neither.
    let stored: Spec = serde_json::from_value(serde_json::json!({
        "name": "Old", "description": "", "inputs": [],
        "model": { "task": "simple", "max_cost_per_run": null, "prefer": [], "temperature_centi": null, "max_output_tokens": null },
        "body": { "kind": "agent", "instructions": "Hi", "tools": [], "invariants": {
            "max_steps": null, "max_cost": null, "max_tokens": null, "output_schema": null,
            "must_contain": [], "must_not_contain": [], "allowed_tools": null, "asserts": [] } }
    }))
    .expect("an old stored spec still reads");
    assert_eq!(stored.model.history_tokens, None);

    let list = errors("name: x\ninstructions: y\nmodel:\n  history_tokens: 10\n");
    has(&list, "model.history_tokens", 4, "500");
    let list = errors("name: x\ninstructions: y\ninvariants:\n  - max_conversation_cost_usd: 0\n");
    has(
        &list,
        "invariants[0].max_conversation_cost_usd",
        4,
        "more than $0",
    );
}
