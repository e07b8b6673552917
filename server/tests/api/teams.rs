//! Team administration over HTTP: invitation links, roles, removal, leaving, switching
//! teams and the audit log, with the role rules enforced by the server.

use serde_json::Value;

use crate::helpers::{TestApp, spawn_app};

async fn invite(app: &TestApp, role: &str) -> String {
    let path: String = app
        .call("/api/teams/invite", &[("role", role)])
        .await
        .expect("invite failed");
    path.trim_start_matches("/invite/").to_owned()
}

async fn overview(app: &TestApp) -> Value {
    app.call("/api/teams/overview", &[])
        .await
        .expect("overview failed")
}

fn member_id(overview: &Value, name: &str) -> String {
    overview["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["display_name"] == name)
        .map(|m| m["user_id"].as_str().unwrap().to_owned())
        .unwrap_or_else(|| panic!("{name} is not a member: {overview}"))
}

#[tokio::test]
async fn an_invitation_link_brings_someone_in_once() {
    let app = spawn_app().await;
    let (owner, _) = app.signed_up("Olivia Owner").await;
    let token = invite(&owner, "member").await;

    let preview: Value = app
        .another_visitor()
        .call("/api/teams/invitation", &[("token", &token)])
        .await
        .unwrap();
    assert_eq!(preview["team_name"], "Olivia Owner's team");
    assert_eq!(preview["role"], "member");

    let (joiner, _) = app.signed_up("Jo Joiner").await;
    let accepted: Result<Value, _> = joiner.call("/api/teams/accept", &[("token", &token)]).await;
    assert!(accepted.is_ok(), "{accepted:?}");
    let team = overview(&joiner).await;
    assert_eq!(
        team["name"], "Olivia Owner's team",
        "the joiner now acts in the new team"
    );
    assert_eq!(team["my_role"], "member");
    assert_eq!(team["members"].as_array().unwrap().len(), 2);

    // A second use of the same link fails, for anyone.
    let (late, _) = app.signed_up("Late Larry").await;
    let again = late
        .call::<Value>("/api/teams/accept", &[("token", &token)])
        .await
        .unwrap_err();
    assert_eq!(again.0, 409, "{again:?}");
    let unknown = late
        .call::<Value>("/api/teams/invitation", &[("token", "nope")])
        .await
        .unwrap_err();
    assert_eq!(unknown.0, 404);
}

#[tokio::test]
async fn members_cannot_administer_and_admins_cannot_touch_owners() {
    let app = spawn_app().await;
    let (owner, _) = app.signed_up("Olivia Owner").await;
    let (admin, _) = app.signed_up("Adam Admin").await;
    let (member, _) = app.signed_up("Mia Member").await;
    admin
        .call::<Value>(
            "/api/teams/accept",
            &[("token", &invite(&owner, "admin").await)],
        )
        .await
        .unwrap();
    member
        .call::<Value>(
            "/api/teams/accept",
            &[("token", &invite(&owner, "member").await)],
        )
        .await
        .unwrap();
    let team = overview(&owner).await;
    let (owner_id, member_id) = (
        member_id(&team, "Olivia Owner"),
        member_id(&team, "Mia Member"),
    );

    // A member: no invitations, no role changes, no audit log.
    assert_eq!(
        member
            .refused("/api/teams/invite", &[("role", "member")])
            .await,
        403
    );
    assert_eq!(
        member
            .refused(
                "/api/teams/change_role",
                &[("user_id", &owner_id), ("role", "member")]
            )
            .await,
        403
    );
    assert_eq!(member.refused("/api/teams/audit", &[]).await, 403);
    // The pages hide what the role cannot do: no audit log tab for a member.
    let member_page = member.get("/settings").await.text().await.unwrap();
    let owner_page = owner.get("/settings").await.text().await.unwrap();
    assert!(!member_page.contains(r#"href="/settings/audit""#));
    assert!(owner_page.contains(r#"href="/settings/audit""#));
    assert!(
        overview(&member).await["invitations"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // An admin: manages members, but neither makes owners nor touches them.
    assert_eq!(
        admin
            .refused("/api/teams/invite", &[("role", "owner")])
            .await,
        403
    );
    assert_eq!(
        admin
            .refused("/api/teams/remove_member", &[("user_id", &owner_id)])
            .await,
        403
    );
    admin
        .call::<Value>(
            "/api/teams/change_role",
            &[("user_id", &member_id), ("role", "admin")],
        )
        .await
        .unwrap();
    admin
        .call::<Value>("/api/teams/remove_member", &[("user_id", &member_id)])
        .await
        .unwrap();
    assert_eq!(
        overview(&owner).await["members"].as_array().unwrap().len(),
        2
    );

    // The removed member's session no longer reaches the team.
    assert_ne!(overview(&member).await["name"], "Olivia Owner's team");
}

#[tokio::test]
async fn the_last_owner_cannot_leave_or_step_down() {
    let app = spawn_app().await;
    let (owner, _) = app.signed_up("Olivia Owner").await;
    let team = overview(&owner).await;
    let me = member_id(&team, "Olivia Owner");
    let leave = owner
        .call::<Value>("/api/teams/leave", &[])
        .await
        .unwrap_err();
    assert_eq!(leave.0, 409, "{leave:?}");
    assert!(leave.1.contains("only owner"), "{}", leave.1);
    assert_eq!(
        owner
            .refused(
                "/api/teams/change_role",
                &[("user_id", &me), ("role", "admin")]
            )
            .await,
        409
    );
}

#[tokio::test]
async fn another_teams_member_is_not_found_and_switching_needs_membership() {
    let app = spawn_app().await;
    let (alice, _) = app.signed_up("Alice").await;
    let (bob, _) = app.signed_up("Bob").await;
    let bob_id = member_id(&overview(&bob).await, "Bob");
    let bob_team = app.owner_pool().await;
    let bob_team_id: uuid::Uuid =
        sqlx::query_scalar("SELECT team_id FROM team_members WHERE user_id = $1::uuid")
            .bind(&bob_id)
            .fetch_one(&bob_team)
            .await
            .unwrap();
    assert_eq!(
        alice
            .refused(
                "/api/teams/change_role",
                &[("user_id", &bob_id), ("role", "admin")]
            )
            .await,
        404
    );
    assert_eq!(
        alice
            .refused(
                "/api/teams/switch",
                &[("team_id", &bob_team_id.to_string())]
            )
            .await,
        404
    );

    // With an invitation Alice belongs to both, and can switch back and forth.
    alice
        .call::<Value>(
            "/api/teams/accept",
            &[("token", &invite(&bob, "member").await)],
        )
        .await
        .unwrap();
    assert_eq!(overview(&alice).await["name"], "Bob's team");
    let alice_team: uuid::Uuid =
        sqlx::query_scalar("SELECT t.id FROM teams t WHERE t.name = 'Alice''s team'")
            .fetch_one(&bob_team)
            .await
            .unwrap();
    alice
        .call::<Value>("/api/teams/switch", &[("team_id", &alice_team.to_string())])
        .await
        .unwrap();
    assert_eq!(overview(&alice).await["name"], "Alice's team");
}

#[tokio::test]
async fn the_audit_log_records_team_changes_and_filters_them() {
    let app = spawn_app().await;
    let (owner, _) = app.signed_up("Olivia Owner").await;
    owner
        .call::<Value>("/api/teams/rename", &[("name", "Research Guild")])
        .await
        .unwrap();
    invite(&owner, "member").await;
    let bad = owner
        .call::<Value>("/api/teams/rename", &[("name", "   ")])
        .await
        .unwrap_err();
    assert_eq!(bad.0, 422);

    let page: Value = owner.call("/api/teams/audit", &[]).await.unwrap();
    let actions: Vec<&str> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["member.invited", "team.renamed", "user.signed_up"]
    );
    assert_eq!(page["entries"][1]["actor"], "Olivia Owner");

    let filtered: Value = owner
        .call("/api/teams/audit", &[("action", "team.")])
        .await
        .unwrap();
    assert_eq!(filtered["entries"].as_array().unwrap().len(), 1);
    assert!(
        filtered["entries"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("Research Guild")
    );
}
