//! Who may do what to whom in a team. Pure functions, so every rule is unit-tested.

use std::collections::HashMap;

use app::auth::Role;
use app::error::AppError;
use uuid::Uuid;

pub fn at_least(actor: Role, needed: Role) -> Result<(), AppError> {
    if actor >= needed {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Admins hand out member and admin; only owners make owners.
pub fn may_grant(actor: Role, granted: Role) -> Result<(), AppError> {
    at_least(actor, Role::Admin)?;
    if granted == Role::Owner && actor != Role::Owner {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

/// Changing someone from `current` to `new`: admins may not touch owners, and the team
/// always keeps at least one owner.
pub fn may_change(
    actor: Role,
    current: Role,
    new: Role,
    roles: &HashMap<Uuid, Role>,
) -> Result<(), AppError> {
    may_grant(actor, new)?;
    if current == Role::Owner && actor != Role::Owner {
        return Err(AppError::Forbidden);
    }
    if current == Role::Owner && new != Role::Owner && owners(roles) == 1 {
        return Err(AppError::Conflict(
            "A team needs an owner: make someone else an owner first.".into(),
        ));
    }
    Ok(())
}

pub fn may_remove(actor: Role, target: Role) -> Result<(), AppError> {
    at_least(actor, Role::Admin)?;
    if target == Role::Owner && actor != Role::Owner {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

/// Anyone may leave, except the last owner.
pub fn may_leave(user: Uuid, roles: &HashMap<Uuid, Role>) -> Result<(), AppError> {
    match roles.get(&user) {
        None => Err(AppError::NotFound),
        Some(Role::Owner) if owners(roles) == 1 => Err(AppError::Conflict(
            "You are this team's only owner: make someone else an owner before leaving.".into(),
        )),
        Some(_) => Ok(()),
    }
}

fn owners(roles: &HashMap<Uuid, Role>) -> usize {
    roles.values().filter(|r| **r == Role::Owner).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn team(roles: &[Role]) -> (Vec<Uuid>, HashMap<Uuid, Role>) {
        let ids: Vec<Uuid> = roles.iter().map(|_| Uuid::new_v4()).collect();
        let map = ids.iter().copied().zip(roles.iter().copied()).collect();
        (ids, map)
    }

    #[test]
    fn members_manage_nothing() {
        assert_eq!(
            may_grant(Role::Member, Role::Member),
            Err(AppError::Forbidden)
        );
        assert_eq!(
            may_remove(Role::Member, Role::Member),
            Err(AppError::Forbidden)
        );
    }

    #[test]
    fn admins_manage_members_and_admins_but_not_owners() {
        let (_, roles) = team(&[Role::Owner, Role::Admin, Role::Member]);
        assert!(may_grant(Role::Admin, Role::Admin).is_ok());
        assert_eq!(
            may_grant(Role::Admin, Role::Owner),
            Err(AppError::Forbidden)
        );
        assert!(may_change(Role::Admin, Role::Member, Role::Admin, &roles).is_ok());
        assert_eq!(
            may_change(Role::Admin, Role::Owner, Role::Member, &roles),
            Err(AppError::Forbidden)
        );
        assert!(may_remove(Role::Admin, Role::Member).is_ok());
        assert_eq!(
            may_remove(Role::Admin, Role::Owner),
            Err(AppError::Forbidden)
        );
    }

    #[test]
    fn the_last_owner_stays() {
        let (ids, roles) = team(&[Role::Owner, Role::Member]);
        assert!(matches!(
            may_change(Role::Owner, Role::Owner, Role::Admin, &roles),
            Err(AppError::Conflict(_))
        ));
        assert!(matches!(
            may_leave(ids[0], &roles),
            Err(AppError::Conflict(_))
        ));
        assert!(may_leave(ids[1], &roles).is_ok());

        let (ids, roles) = team(&[Role::Owner, Role::Owner]);
        assert!(may_change(Role::Owner, Role::Owner, Role::Member, &roles).is_ok());
        assert!(may_leave(ids[0], &roles).is_ok());
    }
}
