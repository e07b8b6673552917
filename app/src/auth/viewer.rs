use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A member's role in a team. Each role can do everything the one below it can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Member,
    Admin,
    Owner,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Member => "member",
            Self::Admin => "admin",
            Self::Owner => "owner",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "member" => Some(Self::Member),
            "admin" => Some(Self::Admin),
            "owner" => Some(Self::Owner),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamRef {
    pub id: Uuid,
    pub name: String,
    pub role: Role,
}

/// The signed-in person as the pages see them: who, which team they are acting in,
/// and the other teams they could switch to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub user_id: Uuid,
    pub email: String,
    pub display_name: String,
    /// Email is on and the address is not verified yet: the app offers the link again.
    #[serde(default)]
    pub needs_email_verification: bool,
    /// The team acted in requires two-factor sign-in and the person has not turned it
    /// on: its pages and operations wait until they do.
    #[serde(default)]
    pub needs_two_factor: bool,
    /// The account was made through an identity provider and has no password yet.
    #[serde(default)]
    pub passwordless: bool,
    pub team: TeamRef,
    pub teams: Vec<TeamRef>,
}
