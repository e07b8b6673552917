//! The official JSON-Schema-Test-Suite (draft 2020-12) run through the compiler this
//! module configures: the required tests with the standard's defaults, and the optional
//! `format` tests with format assertions on, as user schemas are checked.
//!
//! The suite comes from PyPI: `python-jsonschema`'s source distribution carries it in
//! `json/` (`scripts/json-schema-suite.sh` fetches a pinned version by its hash; `make
//! test` runs it first). `JSON_SCHEMA_TEST_SUITE` may point at another copy.

use std::fs;
use std::path::{Path, PathBuf};

use boon::{Schemas, UrlLoader};
use serde::Deserialize;
use serde_json::Value;

use super::{Assertions, compiler};

#[derive(Deserialize)]
struct Group {
    description: String,
    schema: Value,
    tests: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    description: String,
    data: Value,
    valid: bool,
}

/// Where the suite was unpacked; a missing suite fails loudly rather than passing.
fn suite() -> PathBuf {
    let dir = std::env::var_os("JSON_SCHEMA_TEST_SUITE").map_or_else(
        || {
            let home = std::env::var_os("HOME").unwrap_or_default();
            Path::new(&home).join(".cache/agent-factory/json-schema-test-suite")
        },
        PathBuf::from,
    );
    assert!(
        dir.join("tests/draft2020-12").is_dir(),
        "the JSON-Schema-Test-Suite is not at {} — run `bash scripts/json-schema-suite.sh` \
         (make test does) or set JSON_SCHEMA_TEST_SUITE",
        dir.display()
    );
    dir
}

/// The suite's remote documents, served from its `remotes/` folder as the suite expects
/// (`http://localhost:1234/…`). Only this test loads anything from outside a schema.
struct Remotes(PathBuf);

impl UrlLoader for Remotes {
    fn load(&self, url: &str) -> Result<Value, Box<dyn std::error::Error>> {
        let path = url
            .strip_prefix("http://localhost:1234/")
            .ok_or_else(|| format!("{url} is not one of the suite's remotes"))?;
        Ok(serde_json::from_str(&fs::read_to_string(
            self.0.join(path),
        )?)?)
    }
}

/// Runs every case of every `.json` file in `folder`; returns the failures as
/// `file: group / case` lines and how many cases ran.
fn run(suite: &Path, folder: &str, assertions: Assertions) -> (Vec<String>, usize) {
    let mut files: Vec<PathBuf> = fs::read_dir(suite.join(folder))
        .expect("suite folder")
        .map(|entry| entry.expect("suite entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    let (mut failures, mut cases) = (Vec::new(), 0);
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let groups: Vec<Group> =
            serde_json::from_str(&fs::read_to_string(&file).expect("suite file"))
                .expect("suite JSON");
        for (index, group) in groups.into_iter().enumerate() {
            let mut compiler = compiler(assertions);
            compiler.use_loader(Box::new(Remotes(suite.join("remotes"))));
            let address = format!("http://localhost:1234/suite/{name}/{index}.json");
            let mut schemas = Schemas::new();
            let compiled = match compiler.add_resource(&address, group.schema) {
                Ok(()) => compiler.compile(&address, &mut schemas),
                Err(error) => Err(error),
            };
            cases += group.tests.len();
            let index = match compiled {
                Ok(index) => index,
                Err(error) => {
                    failures.push(format!(
                        "{name}: {} / does not compile: {error:#}",
                        group.description
                    ));
                    continue;
                }
            };
            for case in group.tests {
                if schemas.validate(&case.data, index).is_ok() != case.valid {
                    failures.push(format!(
                        "{name}: {} / {}",
                        group.description, case.description
                    ));
                }
            }
        }
    }
    (failures, cases)
}

#[test]
fn passes_the_required_tests_of_draft_2020_12() {
    let (failures, cases) = run(&suite(), "tests/draft2020-12", Assertions::Standard);
    assert!(cases > 1000, "only {cases} cases found");
    assert!(
        failures.is_empty(),
        "{} of {cases} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn asserts_formats_as_the_optional_format_tests_expect() {
    let (failures, cases) = run(
        &suite(),
        "tests/draft2020-12/optional/format",
        Assertions::Formats,
    );
    assert!(cases > 300, "only {cases} cases found");
    assert!(
        failures.is_empty(),
        "{} of {cases} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
