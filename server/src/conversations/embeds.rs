//! A share link's chat on the team's own sites: one `<script>` tag (`/embed.js`) opens
//! a bubble whose panel frames the link's page. Only the sites the link lists may do
//! so: the page's CSP `frame-ancestors` names them (browsers refuse every other
//! framer), and the widget's first request (`embed.json`) answers CORS to them alone,
//! so elsewhere no bubble appears. A site may say who its signed-in user is with a token
//! signed with the link's embed secret (`visitors`).

use app::backend::Actor;
use app::conversations::{MAX_ALLOWED_ORIGINS, ShareLink, VisitorPass};
use app::error::AppError;
use serde::Serialize;
use uuid::Uuid;

use super::current_spec;
use super::shares::{Share, SharesService, admin, talking_agent};
use super::visitors::{self, Visitor};
use crate::crypto;
use crate::db::tenant::{self, Tenant, Tx};
use crate::errors::ServerError;
use crate::secrets::Sealed;

/// What the widget needs before it shows its bubble.
#[derive(Debug, Serialize)]
pub struct EmbedConfig {
    pub name: String,
    pub signed_users_only: bool,
}

impl SharesService {
    /// A new embed secret: tokens signed with the old one are refused from now on.
    pub async fn rotate_embed_secret(
        &self,
        actor: &Actor,
        agent_id: Uuid,
    ) -> Result<ShareLink, ServerError> {
        admin(actor)?;
        let mut tx = tenant::begin_as(&self.db, actor).await?;
        talking_agent(&mut tx, agent_id).await?;
        if !self
            .new_embed_secret(&mut tx, actor.team_id, agent_id, true)
            .await?
        {
            return Err(AppError::NotFound.into());
        }
        self.committed(tx, agent_id).await
    }

    /// Seals a new secret into the link (only where it has none, unless `replace`);
    /// whether the link was there to take it.
    pub(super) async fn new_embed_secret(
        &self,
        tx: &mut Tx,
        team_id: Uuid,
        agent_id: Uuid,
        replace: bool,
    ) -> Result<bool, ServerError> {
        let sealed = self.seal(team_id, &crypto::random_token())?;
        let updated = sqlx::query(
            "UPDATE agent_shares SET embed_secret_ciphertext = $2, embed_secret_nonce = $3,
                    updated_at = now()
              WHERE agent_id = $1 AND ($4 OR embed_secret_ciphertext IS NULL)",
        )
        .bind(agent_id)
        .bind(&sealed.ciphertext)
        .bind(&sealed.nonce)
        .bind(replace)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        Ok(updated > 0)
    }

    /// The widget's settings, for a page of `origin` (the request's `Origin`): refused
    /// for a site the link does not list.
    pub async fn embed_config(
        &self,
        token: &str,
        origin: Option<&str>,
    ) -> Result<EmbedConfig, ServerError> {
        let share = self.find(token).await?;
        if !origin.is_some_and(|origin| share.allowed_origins.iter().any(|o| o == origin)) {
            return Err(AppError::Forbidden.into());
        }
        let mut tx = tenant::begin(&self.db, Tenant::team(share.team_id)).await?;
        let (_, spec) = current_spec(&mut tx, share.agent_id).await?;
        tenant::done_reading(tx);
        Ok(EmbedConfig {
            name: spec.name,
            signed_users_only: share.signed_users_only,
        })
    }

    /// The sites that may frame the link's page (none for an unknown link).
    pub async fn frame_ancestors(&self, token: &str) -> Vec<String> {
        self.find(token)
            .await
            .map(|share| share.allowed_origins)
            .unwrap_or_default()
    }

    /// Who the visitor is: a signed user (their token checked against the link's
    /// embed secret), or someone known by a random secret where the link allows it.
    pub(super) async fn identify(
        &self,
        share: &Share,
        pass: &VisitorPass,
    ) -> Result<Visitor, ServerError> {
        let secret = match pass {
            VisitorPass::Session(token) if visitors::is_signed(pass) => {
                let key = self.embed_secret(share).await?;
                return Ok(Visitor::signed(token, key.as_bytes())?);
            }
            VisitorPass::Session(secret) | VisitorPass::Cookie(secret) => secret,
        };
        if share.signed_users_only {
            return Err(for_signed_users_only().into());
        }
        Ok(Visitor::anonymous(secret)?)
    }

    async fn embed_secret(&self, share: &Share) -> Result<String, ServerError> {
        let mut tx = tenant::begin(&self.db, Tenant::team(share.team_id)).await?;
        let sealed: Option<(Vec<u8>, Vec<u8>)> = sqlx::query_as(
            "SELECT embed_secret_ciphertext, embed_secret_nonce FROM agent_shares
              WHERE agent_id = $1 AND embed_secret_ciphertext IS NOT NULL",
        )
        .bind(share.agent_id)
        .fetch_optional(&mut *tx)
        .await?;
        tenant::done_reading(tx);
        match sealed {
            Some((ciphertext, nonce)) => self.open(share.team_id, Sealed { ciphertext, nonce }),
            None => Err(visitors::unidentified("this chat has no embed secret yet").into()),
        }
    }
}

/// The refusal of anyone but a signed user, where the link allows only them.
pub fn for_signed_users_only() -> AppError {
    AppError::Unidentified(
        "This chat is for the signed-in users of the site that shows it: sign in there to chat."
            .into(),
    )
}

/// The tag that puts the chat on a page.
pub fn snippet(public_url: &str, token: &str) -> String {
    format!(r#"<script src="{public_url}/embed.js" data-link="{token}" async></script>"#)
}

/// The allowed sites as origins (`scheme://host[:port]`, as browsers send `Origin`),
/// each checked, without repeats.
pub fn origins(given: &[String]) -> Result<Vec<String>, AppError> {
    let mut origins: Vec<String> = Vec::new();
    for text in given.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        let origin = origin(text).map_err(|why| {
            AppError::invalid("allowed_origins", format!("Allowed sites: “{text}” {why}"))
        })?;
        if !origins.contains(&origin) {
            origins.push(origin);
        }
    }
    if origins.len() > MAX_ALLOWED_ORIGINS {
        return Err(AppError::invalid(
            "allowed_origins",
            format!("Allowed sites: at most {MAX_ALLOWED_ORIGINS}."),
        ));
    }
    Ok(origins)
}

fn origin(text: &str) -> Result<String, &'static str> {
    const SHAPE: &str = "is not a site's address: write it like https://www.example.com";
    let url = url::Url::parse(text).map_err(|_| SHAPE)?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(SHAPE);
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err("has a path: give the site alone, like https://www.example.com");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(SHAPE);
    }
    Ok(url.origin().ascii_serialization())
}

#[cfg(test)]
mod tests {
    use super::origins;

    fn list(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn allowed_sites_are_origins() {
        assert_eq!(
            origins(&list(&[
                " https://www.Example.com/ ",
                "http://localhost:5555",
                "",
                "https://www.example.com"
            ]))
            .unwrap(),
            list(&["https://www.example.com", "http://localhost:5555"])
        );
        for bad in [
            "ftp://x.example",
            "https://a.example/path",
            "example.com",
            "https://a.example?q=1",
            "https://u:p@a.example",
        ] {
            let error = origins(&list(&[bad])).unwrap_err().to_string();
            assert!(error.starts_with("Allowed sites:"), "{bad}: {error}");
        }
        let many: Vec<String> = (0..21).map(|i| format!("https://s{i}.example")).collect();
        assert!(origins(&many).is_err());
    }
}
