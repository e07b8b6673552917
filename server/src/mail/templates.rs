//! What each mail says, as text and as HTML in one layout: the product's name, a short
//! message, the action's button (and its link spelled out, for clients that show no
//! buttons), and why the reader got it.

/// A mail ready to send.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// One mail's content, before the layout.
struct Content<'a> {
    subject: String,
    /// Paragraphs, plain text.
    lines: Vec<String>,
    action: (&'a str, &'a str),
    /// Why the reader got this mail, and what to do if they did not ask for it.
    footer: &'a str,
}

pub fn password_reset(link: &str) -> Rendered {
    layout(Content {
        subject: "Reset your Agent Factory password".into(),
        lines: vec![
            "Someone (we hope you) asked to reset the password of your Agent Factory account.".into(),
            "The link below works once, for one hour. Choosing a new password signs you out everywhere.".into(),
        ],
        action: ("Choose a new password", link),
        footer: "If you did not ask for this, ignore this email: your password stays as it is.",
    })
}

pub fn verify_email(link: &str) -> Rendered {
    layout(Content {
        subject: "Confirm your email address for Agent Factory".into(),
        lines: vec![
            "Confirm that this is your address, so your team can rely on it: publishing templates, receiving payouts and owning a team need it.".into(),
            "The link works once, for seven days.".into(),
        ],
        action: ("Confirm my email address", link),
        footer: "If you did not create an Agent Factory account, ignore this email: nothing happens without the link.",
    })
}

pub fn invitation(inviter: &str, team: &str, role: &str, link: &str) -> Rendered {
    layout(Content {
        subject: format!("{inviter} invited you to {team} on Agent Factory"),
        lines: vec![
            format!("{inviter} invited you to join {team} on Agent Factory as {role}: build AI agents from a short spec and run them on any model, together."),
            "Sign in, or create an account with this address, then accept. The link works once, for seven days.".into(),
        ],
        action: ("Accept the invitation", link),
        footer: "If you did not expect this, ignore this email: nobody joins without the link.",
    })
}

pub fn change_email(link: &str) -> Rendered {
    layout(Content {
        subject: "Confirm your new email address for Agent Factory".into(),
        lines: vec![
            "Your Agent Factory account asked to use this address from now on.".into(),
            "Confirm it, and you sign in with this address. The link works once, for one day."
                .into(),
        ],
        action: ("Confirm my new address", link),
        footer: "If you did not ask for this, ignore this email: the account keeps its current address.",
    })
}

/// To the address an account is leaving: at the request, and once it moved.
pub fn email_change_notice(new_address: &str, done: bool, reset_link: &str) -> Rendered {
    let (subject, first) = if done {
        (
            "Your Agent Factory email address was changed",
            format!(
                "Your Agent Factory account now uses {new_address}; this address no longer signs in."
            ),
        )
    } else {
        (
            "Your Agent Factory email address is being changed",
            format!(
                "Someone signed in to your Agent Factory account asked to move it to {new_address}. It moves once that address confirms."
            ),
        )
    };
    layout(Content {
        subject: subject.into(),
        lines: vec![
            first,
            "If this was not you, reset your password now: that signs everyone out of the account."
                .into(),
        ],
        action: ("Reset my password", reset_link),
        footer: "We tell the old address about every change of address, so nobody can take an account quietly.",
    })
}

fn layout(content: Content<'_>) -> Rendered {
    let (label, link) = content.action;
    let text = format!(
        "Agent Factory\n\n{}\n\n{label}:\n{link}\n\n{}\n",
        content.lines.join("\n\n"),
        content.footer
    );
    let paragraphs: String = content
        .lines
        .iter()
        .map(|line| format!(r#"<p style="margin:0 0 16px">{}</p>"#, escape(line)))
        .collect();
    let html = format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>{subject}</title></head>
<body style="margin:0;background:#f8fafc;font-family:system-ui,-apple-system,'Segoe UI',sans-serif;color:#0f172a">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:32px 16px">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:520px;background:#ffffff;border:1px solid #e2e8f0;border-radius:12px">
<tr><td style="padding:32px;font-size:15px;line-height:1.6">
<p style="margin:0 0 24px;font-weight:600;color:#4f46e5">Agent Factory</p>
{paragraphs}
<p style="margin:24px 0"><a href="{link}" style="display:inline-block;background:#4f46e5;color:#ffffff;text-decoration:none;padding:10px 18px;border-radius:6px;font-weight:600">{label}</a></p>
<p style="margin:0 0 16px;font-size:13px;color:#475569">Or open this link: <a href="{link}" style="color:#4f46e5;word-break:break-all">{link}</a></p>
<p style="margin:24px 0 0;font-size:13px;color:#64748b">{footer}</p>
</td></tr></table></td></tr></table></body></html>"#,
        subject = escape(&content.subject),
        link = escape(link),
        label = escape(label),
        footer = escape(content.footer),
    );
    Rendered {
        subject: content.subject,
        text,
        html,
    }
}

fn escape(text: &str) -> String {
    html_escape::encode_quoted_attribute(text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_link_is_in_both_parts_and_escaped_in_html() {
        let mail = password_reset("https://app.test/reset-password?token=a&b");
        assert!(
            mail.text
                .contains("https://app.test/reset-password?token=a&b")
        );
        assert!(
            mail.html
                .contains(r#"href="https://app.test/reset-password?token=a&amp;b""#)
        );
        assert!(!mail.html.contains("token=a&b"));
    }
}
