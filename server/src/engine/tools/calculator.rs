//! The "calculator" agent tool: a small, safe arithmetic evaluator.
//!
//! Models are unreliable at arithmetic, so agents hand expressions to this tool. The input
//! is untrusted text, so it is parsed by a hand-written recursive-descent parser over a
//! tokenizer (no `eval`, no variables, no loops) with hard limits on length and nesting,
//! and every error says what is wrong and at which character (1-based) so the model can
//! fix its expression and retry.
//!
//! Ours rather than a crate: `evalexpr`, the maintained evaluator, is a small language
//! (variables, assignment, strings, chained statements) — more surface than untrusted
//! input should reach — and its errors carry no position for the model to act on;
//! `meval` and `fasteval` are no longer maintained. This grammar is the whole of it.
//!
//! Grammar, loosest binding first:
//!
//! ```text
//! expression := term (('+' | '-') term)*
//! term       := unary (('*' | '/' | '%') unary)*
//! unary      := ('+' | '-')* power
//! power      := primary ('^' unary)?          right-associative; -2^2 = -(2^2)
//! primary    := number | constant | function '(' arguments ')' | '(' expression ')'
//! ```
//!
//! `%` is the remainder (its sign follows the dividend); trigonometry works in radians.

/// Longest expression accepted, in characters: enough for any real calculation, small
/// enough that parsing cost is trivially bounded.
const MAX_LENGTH: usize = 1_000;

/// Deepest nesting of parentheses, function calls and exponents. Parsing recurses once
/// per level, so this bounds stack use on hostile input such as "((((((…".
const MAX_DEPTH: usize = 64;

/// Why an expression could not be evaluated. Positions count characters from 1.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CalcError {
    #[error("the expression is empty")]
    Empty,
    #[error("the expression is too long: {length} characters (the limit is {MAX_LENGTH})")]
    TooLong { length: usize },
    #[error("unexpected character '{found}' at position {position}")]
    UnexpectedCharacter { found: char, position: usize },
    #[error("'{text}' at position {position} is not a valid finite number")]
    InvalidNumber { text: String, position: usize },
    #[error("unexpected {found} at position {position}: expected {expected}")]
    UnexpectedToken {
        found: String,
        expected: &'static str,
        position: usize,
    },
    #[error("the expression ends too early: expected {expected}")]
    UnexpectedEnd { expected: &'static str },
    #[error("unbalanced parenthesis: the '(' at position {position} is never closed")]
    UnclosedParenthesis { position: usize },
    #[error("unbalanced parenthesis: the ')' at position {position} has no matching '('")]
    UnmatchedParenthesis { position: usize },
    #[error(
        "unknown function '{name}' at position {position} (known: sqrt, abs, ln, log10, \
         log2, exp, round, floor, ceil, sin, cos, tan, min, max, pow)"
    )]
    UnknownFunction { name: String, position: usize },
    #[error("unknown constant '{name}' at position {position} (known: pi, e)")]
    UnknownConstant { name: String, position: usize },
    #[error("{name}() at position {position} takes {expected}, but was given {given}")]
    WrongArgumentCount {
        name: String,
        expected: &'static str,
        given: usize,
        position: usize,
    },
    #[error("division by zero: the divisor of the operator at position {position} is zero")]
    DivisionByZero { position: usize },
    #[error("the result of '{operation}' at position {position} is not a finite number")]
    NotFinite { operation: String, position: usize },
    #[error(
        "the expression is nested too deeply at position {position} (the limit is {MAX_DEPTH} levels)"
    )]
    TooDeep { position: usize },
}

/// Evaluates an arithmetic expression such as `2 * (3 + 4) ^ 2` or `max(1, sqrt(16))`.
pub fn evaluate(expression: &str) -> Result<f64, CalcError> {
    let length = expression.chars().count();
    if length > MAX_LENGTH {
        return Err(CalcError::TooLong { length });
    }
    let tokens = tokenize(expression)?;
    if tokens.is_empty() {
        return Err(CalcError::Empty);
    }
    let mut parser = Parser {
        tokens,
        next: 0,
        depth: 0,
    };
    let value = parser.expression()?;
    match parser.peek() {
        None => Ok(value),
        Some(token) if token.kind == Kind::Close => Err(CalcError::UnmatchedParenthesis {
            position: token.position,
        }),
        Some(token) => Err(token.unexpected("an operator")),
    }
}

/// Formats a result for a person (and a model) to read: integers without a trailing
/// `.0`, everything else with at most 12 significant digits so that floating-point noise
/// such as `0.1 + 0.2 = 0.30000000000000004` reads as `0.3`.
pub fn format_number(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    if value.fract() == 0.0 && value.abs() < 1e15 {
        // Below 1e15 every integral f64 prints exactly. Adding 0.0 turns -0 into 0.
        return format!("{:.0}", value + 0.0);
    }
    // Scientific formatting does the rounding to 12 significant digits and tells us the
    // decimal exponent, which decides between fixed and scientific notation (like %g).
    let scientific = format!("{value:.11e}");
    let Some((mantissa, exponent)) = scientific.split_once('e') else {
        return scientific;
    };
    let Ok(exponent) = exponent.parse::<i32>() else {
        return scientific;
    };
    if (-6..15).contains(&exponent) {
        let decimals = usize::try_from(11 - exponent).unwrap_or(0);
        trim_fraction(&format!("{value:.decimals$}")).to_owned()
    } else {
        format!("{}e{exponent}", trim_fraction(mantissa))
    }
}

/// Drops trailing zeros after a decimal point, and the point itself if nothing is left.
fn trim_fraction(number: &str) -> &str {
    if number.contains('.') {
        number.trim_end_matches('0').trim_end_matches('.')
    } else {
        number
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Number(f64),
    Identifier(String),
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Caret,
    Open,
    Close,
    Comma,
}

#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    position: usize,
}

impl Token {
    fn describe(&self) -> String {
        match &self.kind {
            Kind::Number(value) => format!("number '{}'", format_number(*value)),
            Kind::Identifier(name) => format!("name '{name}'"),
            Kind::Plus => "'+'".to_owned(),
            Kind::Minus => "'-'".to_owned(),
            Kind::Star => "'*'".to_owned(),
            Kind::Slash => "'/'".to_owned(),
            Kind::Percent => "'%'".to_owned(),
            Kind::Caret => "'^'".to_owned(),
            Kind::Open => "'('".to_owned(),
            Kind::Close => "')'".to_owned(),
            Kind::Comma => "','".to_owned(),
        }
    }

    fn unexpected(&self, expected: &'static str) -> CalcError {
        CalcError::UnexpectedToken {
            found: self.describe(),
            expected,
            position: self.position,
        }
    }
}

fn tokenize(expression: &str) -> Result<Vec<Token>, CalcError> {
    let chars: Vec<char> = expression.chars().collect();
    let mut tokens = Vec::new();
    let mut index = 0;
    while let Some(&c) = chars.get(index) {
        let position = index + 1;
        let kind = match c {
            c if c.is_whitespace() => {
                index += 1;
                continue;
            }
            '0'..='9' | '.' => {
                let end = number_end(&chars, index);
                let text: String = chars[index..end].iter().collect();
                index = end;
                // Rejects "." and numbers too large for f64 such as 1e400.
                let value = text
                    .parse::<f64>()
                    .ok()
                    .filter(|value| value.is_finite())
                    .ok_or(CalcError::InvalidNumber { text, position })?;
                tokens.push(Token {
                    kind: Kind::Number(value),
                    position,
                });
                continue;
            }
            c if c.is_ascii_alphabetic() => {
                let end = chars[index..]
                    .iter()
                    .position(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
                    .map_or(chars.len(), |offset| index + offset);
                let name: String = chars[index..end].iter().collect();
                index = end;
                // Case-insensitive so that "PI" or "Sqrt" from a model still work.
                tokens.push(Token {
                    kind: Kind::Identifier(name.to_ascii_lowercase()),
                    position,
                });
                continue;
            }
            '+' => Kind::Plus,
            '-' => Kind::Minus,
            '*' => Kind::Star,
            '/' => Kind::Slash,
            '%' => Kind::Percent,
            '^' => Kind::Caret,
            '(' => Kind::Open,
            ')' => Kind::Close,
            ',' => Kind::Comma,
            found => return Err(CalcError::UnexpectedCharacter { found, position }),
        };
        tokens.push(Token { kind, position });
        index += 1;
    }
    Ok(tokens)
}

/// Where the number starting at `start` ends: digits, an optional fraction, and an
/// exponent only when one really follows ("2e" is the number 2 then the name "e").
fn number_end(chars: &[char], start: usize) -> usize {
    let digits_from = |from: usize| {
        chars[from..]
            .iter()
            .position(|c| !c.is_ascii_digit())
            .map_or(chars.len(), |offset| from + offset)
    };
    let mut end = digits_from(start);
    if chars.get(end) == Some(&'.') {
        end = digits_from(end + 1);
    }
    if matches!(chars.get(end), Some('e' | 'E')) {
        let sign = usize::from(matches!(chars.get(end + 1), Some('+' | '-')));
        if chars.get(end + 1 + sign).is_some_and(char::is_ascii_digit) {
            end = digits_from(end + 1 + sign);
        }
    }
    end
}

struct Parser {
    tokens: Vec<Token>,
    next: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next)
    }

    fn advance(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.next).cloned();
        self.next += 1;
        token
    }

    /// Consumes the next token if it is one of `kinds`.
    fn take_if(&mut self, kinds: &[Kind]) -> Option<Token> {
        let token = self.peek()?;
        if kinds.contains(&token.kind) {
            self.advance()
        } else {
            None
        }
    }

    fn expression(&mut self) -> Result<f64, CalcError> {
        let mut value = self.term()?;
        while let Some(operator) = self.take_if(&[Kind::Plus, Kind::Minus]) {
            let right = self.term()?;
            let result = if operator.kind == Kind::Plus {
                value + right
            } else {
                value - right
            };
            value = finite(result, &operator)?;
        }
        Ok(value)
    }

    fn term(&mut self) -> Result<f64, CalcError> {
        let mut value = self.unary()?;
        while let Some(operator) = self.take_if(&[Kind::Star, Kind::Slash, Kind::Percent]) {
            let right = self.unary()?;
            let result = match operator.kind {
                Kind::Star => value * right,
                Kind::Slash if right != 0.0 => value / right,
                Kind::Percent if right != 0.0 => value % right,
                _ => {
                    return Err(CalcError::DivisionByZero {
                        position: operator.position,
                    });
                }
            };
            value = finite(result, &operator)?;
        }
        Ok(value)
    }

    /// Signs are counted in a loop rather than by recursion, so "------1" costs no stack.
    fn unary(&mut self) -> Result<f64, CalcError> {
        let mut negative = false;
        while let Some(sign) = self.take_if(&[Kind::Plus, Kind::Minus]) {
            negative ^= sign.kind == Kind::Minus;
        }
        let value = self.power()?;
        Ok(if negative { -value } else { value })
    }

    fn power(&mut self) -> Result<f64, CalcError> {
        let base = self.primary()?;
        let Some(operator) = self.take_if(&[Kind::Caret]) else {
            return Ok(base);
        };
        // The exponent is a whole unary expression, which makes `^` right-associative
        // (2^3^2 = 2^9) and allows 2^-1.
        self.enter(operator.position)?;
        let exponent = self.unary()?;
        self.depth -= 1;
        finite(base.powf(exponent), &operator)
    }

    fn primary(&mut self) -> Result<f64, CalcError> {
        let Some(token) = self.advance() else {
            return Err(CalcError::UnexpectedEnd {
                expected: "a number, a name or '('",
            });
        };
        match &token.kind {
            Kind::Number(value) => Ok(*value),
            Kind::Open => {
                self.enter(token.position)?;
                let value = self.expression()?;
                self.close(&token, "an operator or ')'")?;
                self.depth -= 1;
                Ok(value)
            }
            Kind::Identifier(name) => self.name(name, &token),
            Kind::Close => Err(CalcError::UnmatchedParenthesis {
                position: token.position,
            }),
            _ => Err(token.unexpected("a number, a name or '('")),
        }
    }

    /// A name is a function call when '(' follows it, otherwise a constant.
    fn name(&mut self, name: &str, name_token: &Token) -> Result<f64, CalcError> {
        if let Some(open) = self.take_if(&[Kind::Open]) {
            return self.call(name, name_token, &open);
        }
        if let Some(value) = constant(name) {
            return Ok(value);
        }
        if Function::named(name).is_none() {
            return Err(CalcError::UnknownConstant {
                name: name.to_owned(),
                position: name_token.position,
            });
        }
        let expected = "'(' after a function name";
        Err(self
            .peek()
            .map_or(CalcError::UnexpectedEnd { expected }, |next| {
                next.unexpected(expected)
            }))
    }

    /// Parses the arguments of `name(…)` and applies the function; `open` is the '('.
    fn call(&mut self, name: &str, name_token: &Token, open: &Token) -> Result<f64, CalcError> {
        let Some(function) = Function::named(name) else {
            return Err(CalcError::UnknownFunction {
                name: name.to_owned(),
                position: name_token.position,
            });
        };
        self.enter(open.position)?;
        let mut arguments = Vec::new();
        if self.take_if(&[Kind::Close]).is_none() {
            loop {
                arguments.push(self.expression()?);
                if self.take_if(&[Kind::Comma]).is_none() {
                    break;
                }
            }
            self.close(open, "an operator, ',' or ')'")?;
        }
        self.depth -= 1;
        let result = function
            .apply(&arguments)
            .ok_or_else(|| CalcError::WrongArgumentCount {
                name: name.to_owned(),
                expected: function.expected(),
                given: arguments.len(),
                position: name_token.position,
            })?;
        finite(result, name_token)
    }

    /// Expects the ')' matching `open`; `expected` describes what could come instead.
    fn close(&mut self, open: &Token, expected: &'static str) -> Result<(), CalcError> {
        match self.advance() {
            Some(token) if token.kind == Kind::Close => Ok(()),
            Some(token) => Err(token.unexpected(expected)),
            None => Err(CalcError::UnclosedParenthesis {
                position: open.position,
            }),
        }
    }

    fn enter(&mut self, position: usize) -> Result<(), CalcError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(CalcError::TooDeep { position });
        }
        Ok(())
    }
}

/// Rejects NaN and infinities as soon as an operation produces one, so the error can
/// point at the operation responsible (e.g. `sqrt(-1)` or `10^400`).
fn finite(value: f64, operation: &Token) -> Result<f64, CalcError> {
    if value.is_finite() {
        return Ok(value);
    }
    let name = match &operation.kind {
        Kind::Identifier(name) => format!("{name}()"),
        _ => operation.describe().trim_matches('\'').to_owned(),
    };
    Err(CalcError::NotFinite {
        operation: name,
        position: operation.position,
    })
}

fn constant(name: &str) -> Option<f64> {
    match name {
        "pi" => Some(std::f64::consts::PI),
        "e" => Some(std::f64::consts::E),
        _ => None,
    }
}

/// A built-in function, grouped by how it treats its arguments.
enum Function {
    OneArgument(fn(f64) -> f64),
    /// min and max: folds one or more arguments.
    Fold(fn(f64, f64) -> f64),
    Pow,
}

impl Function {
    fn named(name: &str) -> Option<Self> {
        let one = |apply| Some(Self::OneArgument(apply));
        match name {
            "sqrt" => one(f64::sqrt),
            "abs" => one(f64::abs),
            "ln" => one(f64::ln),
            "log10" => one(f64::log10),
            "log2" => one(f64::log2),
            "exp" => one(f64::exp),
            "round" => one(f64::round),
            "floor" => one(f64::floor),
            "ceil" => one(f64::ceil),
            "sin" => one(f64::sin),
            "cos" => one(f64::cos),
            "tan" => one(f64::tan),
            "min" => Some(Self::Fold(f64::min)),
            "max" => Some(Self::Fold(f64::max)),
            "pow" => Some(Self::Pow),
            _ => None,
        }
    }

    /// The accepted argument count, worded for error messages.
    fn expected(&self) -> &'static str {
        match self {
            Self::OneArgument(_) => "exactly 1 argument",
            Self::Fold(_) => "at least 1 argument",
            Self::Pow => "exactly 2 arguments",
        }
    }

    /// `None` when the number of arguments is wrong.
    fn apply(&self, arguments: &[f64]) -> Option<f64> {
        match (self, arguments) {
            (Self::OneArgument(apply), [x]) => Some(apply(*x)),
            (Self::Fold(combine), [first, rest @ ..]) => {
                Some(rest.iter().copied().fold(*first, combine))
            }
            (Self::Pow, [base, exponent]) => Some(base.powf(*exponent)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(expression: &str) -> f64 {
        evaluate(expression).unwrap_or_else(|error| panic!("{expression}: {error}"))
    }

    fn close_to(actual: f64, expected: f64) -> bool {
        (actual - expected).abs() < 1e-9
    }

    #[test]
    fn numbers_in_every_accepted_form() {
        assert_eq!(eval("12"), 12.0);
        assert_eq!(eval("3.5"), 3.5);
        assert_eq!(eval(".5"), 0.5);
        assert_eq!(eval("5."), 5.0);
        assert_eq!(eval("1e-3"), 0.001);
        assert_eq!(eval("2.5E+4"), 25_000.0);
        assert_eq!(eval("  7 \t\n"), 7.0);
    }

    #[test]
    fn precedence() {
        assert_eq!(eval("2 + 3 * 4"), 14.0);
        assert_eq!(eval("(2 + 3) * 4"), 20.0);
        assert_eq!(eval("10 - 4 / 2"), 8.0);
        assert_eq!(eval("2 * 3 ^ 2"), 18.0);
        assert_eq!(eval("7 % 4 + 1"), 4.0);
        assert_eq!(eval("-2^2"), -4.0);
        assert_eq!(eval("(-2)^2"), 4.0);
        assert_eq!(eval("2^-1"), 0.5);
        assert_eq!(eval("2 * -3"), -6.0);
        assert_eq!(eval("--3"), 3.0);
        assert_eq!(eval("+-+3"), -3.0);
    }

    #[test]
    fn associativity() {
        assert_eq!(eval("10 - 4 - 3"), 3.0);
        assert_eq!(eval("100 / 10 / 5"), 2.0);
        assert_eq!(eval("2 ^ 3 ^ 2"), 512.0);
        assert_eq!(eval("2 ^ -3 ^ 2"), 2f64.powf(-9.0));
    }

    #[test]
    fn remainder_follows_the_dividend() {
        assert_eq!(eval("7 % 3"), 1.0);
        assert_eq!(eval("-7 % 3"), -1.0);
        assert_eq!(eval("7.5 % 2"), 1.5);
    }

    #[test]
    fn constants_and_functions() {
        assert!(close_to(eval("pi"), std::f64::consts::PI));
        assert!(close_to(eval("E"), std::f64::consts::E));
        assert_eq!(eval("sqrt(16)"), 4.0);
        assert_eq!(eval("abs(-3)"), 3.0);
        assert!(close_to(eval("ln(e)"), 1.0));
        assert_eq!(eval("log10(1000)"), 3.0);
        assert_eq!(eval("log2(8)"), 3.0);
        assert!(close_to(eval("exp(1)"), std::f64::consts::E));
        assert_eq!(eval("round(2.5)"), 3.0);
        assert_eq!(eval("round(-2.5)"), -3.0);
        assert_eq!(eval("floor(-1.5)"), -2.0);
        assert_eq!(eval("ceil(1.2)"), 2.0);
        assert!(close_to(eval("sin(pi / 2)"), 1.0));
        assert!(close_to(eval("cos(0)"), 1.0));
        assert!(close_to(eval("tan(pi / 4)"), 1.0));
        assert_eq!(eval("min(3, 1, 2)"), 1.0);
        assert_eq!(eval("max(3)"), 3.0);
        assert_eq!(eval("max(1, 2 * 5, -4)"), 10.0);
        assert_eq!(eval("pow(2, 10)"), 1024.0);
        assert_eq!(eval("SQRT(max(9, 4)) * 2"), 6.0);
    }

    #[test]
    fn nesting_up_to_the_limit_is_accepted() {
        let nested = format!("{}1{}", "(".repeat(64), ")".repeat(64));
        assert_eq!(eval(&nested), 1.0);
        assert_eq!(eval(&format!("{}1", "-".repeat(500))), 1.0);
    }

    #[test]
    fn length_and_nesting_limits() {
        let long = format!("1{}", "+1".repeat(500));
        assert_eq!(evaluate(&long), Err(CalcError::TooLong { length: 1001 }));
        assert_eq!(eval(&long[..999]), 500.0);

        let deep = format!("{}1{}", "(".repeat(65), ")".repeat(65));
        assert_eq!(evaluate(&deep), Err(CalcError::TooDeep { position: 65 }));
        let deep_calls = format!("{}1{}", "abs(".repeat(65), ")".repeat(65));
        assert_eq!(
            evaluate(&deep_calls),
            Err(CalcError::TooDeep { position: 260 })
        );
        let tower = format!("1{}", "^1".repeat(65));
        assert_eq!(evaluate(&tower), Err(CalcError::TooDeep { position: 130 }));
    }

    #[test]
    fn empty_and_malformed_input() {
        assert_eq!(evaluate(""), Err(CalcError::Empty));
        assert_eq!(evaluate("   "), Err(CalcError::Empty));
        assert_eq!(
            evaluate("2 $ 3"),
            Err(CalcError::UnexpectedCharacter {
                found: '$',
                position: 3
            })
        );
        assert_eq!(
            evaluate("1 + ."),
            Err(CalcError::InvalidNumber {
                text: ".".into(),
                position: 5
            })
        );
        assert_eq!(
            evaluate("1e400"),
            Err(CalcError::InvalidNumber {
                text: "1e400".into(),
                position: 1
            })
        );
        assert_eq!(
            evaluate("2 3"),
            Err(CalcError::UnexpectedToken {
                found: "number '3'".into(),
                expected: "an operator",
                position: 3
            })
        );
        assert_eq!(
            evaluate("1 +"),
            Err(CalcError::UnexpectedEnd {
                expected: "a number, a name or '('"
            })
        );
        assert_eq!(
            evaluate("1 + * 2"),
            Err(CalcError::UnexpectedToken {
                found: "'*'".into(),
                expected: "a number, a name or '('",
                position: 5
            })
        );
        assert_eq!(
            evaluate("1, 2"),
            Err(CalcError::UnexpectedToken {
                found: "','".into(),
                expected: "an operator",
                position: 2
            })
        );
        // "2e" is the number 2 followed by the constant e, not a broken exponent.
        assert_eq!(
            evaluate("2e"),
            Err(CalcError::UnexpectedToken {
                found: "name 'e'".into(),
                expected: "an operator",
                position: 2
            })
        );
    }

    #[test]
    fn unbalanced_parentheses() {
        assert_eq!(
            evaluate("(1 + 2"),
            Err(CalcError::UnclosedParenthesis { position: 1 })
        );
        assert_eq!(
            evaluate("max(1, (2)"),
            Err(CalcError::UnclosedParenthesis { position: 4 })
        );
        assert_eq!(
            evaluate("1 + 2)"),
            Err(CalcError::UnmatchedParenthesis { position: 6 })
        );
        assert_eq!(
            evaluate(")"),
            Err(CalcError::UnmatchedParenthesis { position: 1 })
        );
        assert_eq!(
            evaluate("(1 2)"),
            Err(CalcError::UnexpectedToken {
                found: "number '2'".into(),
                expected: "an operator or ')'",
                position: 4
            })
        );
    }

    #[test]
    fn unknown_names() {
        assert_eq!(
            evaluate("foo(1)"),
            Err(CalcError::UnknownFunction {
                name: "foo".into(),
                position: 1
            })
        );
        assert_eq!(
            evaluate("2 * x"),
            Err(CalcError::UnknownConstant {
                name: "x".into(),
                position: 5
            })
        );
        assert_eq!(
            evaluate("sqrt 4"),
            Err(CalcError::UnexpectedToken {
                found: "number '4'".into(),
                expected: "'(' after a function name",
                position: 6
            })
        );
        assert_eq!(
            evaluate("1 + sqrt"),
            Err(CalcError::UnexpectedEnd {
                expected: "'(' after a function name"
            })
        );
    }

    #[test]
    fn wrong_argument_counts() {
        let wrong = |expression, name: &str, expected, given| {
            assert_eq!(
                evaluate(expression),
                Err(CalcError::WrongArgumentCount {
                    name: name.into(),
                    expected,
                    given,
                    position: 1
                }),
                "{expression}"
            );
        };
        wrong("sqrt()", "sqrt", "exactly 1 argument", 0);
        wrong("sqrt(1, 2)", "sqrt", "exactly 1 argument", 2);
        wrong("min()", "min", "at least 1 argument", 0);
        wrong("pow(2)", "pow", "exactly 2 arguments", 1);
        wrong("pow(1, 2, 3)", "pow", "exactly 2 arguments", 3);
    }

    #[test]
    fn division_by_zero() {
        assert_eq!(
            evaluate("1 / 0"),
            Err(CalcError::DivisionByZero { position: 3 })
        );
        assert_eq!(
            evaluate("5 % (2 - 2)"),
            Err(CalcError::DivisionByZero { position: 3 })
        );
    }

    #[test]
    fn non_finite_results() {
        let not_finite = |expression, operation: &str, position| {
            assert_eq!(
                evaluate(expression),
                Err(CalcError::NotFinite {
                    operation: operation.into(),
                    position
                }),
                "{expression}"
            );
        };
        not_finite("sqrt(-1)", "sqrt()", 1);
        not_finite("ln(0)", "ln()", 1);
        not_finite("10 ^ 400", "^", 4);
        not_finite("1e300 * 1e300", "*", 7);
        not_finite("1e308 + 1e308", "+", 7);
        not_finite("pow(-8, 1/3)", "pow()", 1);
    }

    #[test]
    fn messages_say_what_and_where() {
        let message = |expression| {
            evaluate(expression)
                .err()
                .map(|error| error.to_string())
                .unwrap_or_default()
        };
        assert_eq!(
            message("1 / 0"),
            "division by zero: the divisor of the operator at position 3 is zero"
        );
        assert_eq!(
            message("(1"),
            "unbalanced parenthesis: the '(' at position 1 is never closed"
        );
        assert_eq!(
            message("pow(1)"),
            "pow() at position 1 takes exactly 2 arguments, but was given 1"
        );
        assert_eq!(
            message("sqrt(-1)"),
            "the result of 'sqrt()' at position 1 is not a finite number"
        );
        assert_eq!(message("2 # 2"), "unexpected character '#' at position 3");
    }

    #[test]
    fn formats_numbers_for_reading() {
        assert_eq!(format_number(42.0), "42");
        assert_eq!(format_number(-7.0), "-7");
        assert_eq!(format_number(-0.0), "0");
        assert_eq!(format_number(999_999_999_999_999.0), "999999999999999");
        assert_eq!(format_number(1e15), "1e15");
        assert_eq!(format_number(0.1 + 0.2), "0.3");
        assert_eq!(format_number(2.5), "2.5");
        assert_eq!(format_number(1.0 / 3.0), "0.333333333333");
        assert_eq!(format_number(-2.0 / 3.0), "-0.666666666667");
        assert_eq!(format_number(123_456_789.123_456), "123456789.123");
        assert_eq!(format_number(0.000_001_234), "0.000001234");
        assert_eq!(format_number(1.5e-7), "1.5e-7");
        assert_eq!(format_number(-2.5e20), "-2.5e20");
        assert_eq!(format_number(f64::NAN), "NaN");
        assert_eq!(format_number(f64::INFINITY), "inf");
    }
}
