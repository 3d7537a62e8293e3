//! Who is acting, and the authorisation rules, in one place. Every domain operation receives an
//! [`Actor`] and asks these questions; handlers never decide access themselves.

use serde::Serialize;

/// What an API token may do.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Read everything the user may read.
    Read,
    /// Change what the user may change.
    Write,
}

/// A signed-in user and what they belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserActor {
    /// User id.
    pub id: i64,
    /// Their name, as they gave it.
    pub name: String,
    /// Their address.
    pub email: String,
    /// Administrator of the platform.
    pub is_admin: bool,
    /// Companies the user is a member of.
    pub companies: Vec<i64>,
    /// Departments the user is an officer of.
    pub departments: Vec<i64>,
    /// For API tokens: what the token allows; `None` for browser sessions.
    pub scopes: Option<Vec<Scope>>,
    /// Language of pages and explanations.
    pub locale: String,
}

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// Nobody signed in.
    Anonymous,
    /// A signed-in user or an API token.
    User(UserActor),
    /// The platform itself: imports, jobs, the demo.
    System,
}

impl Actor {
    /// The user, when there is one.
    pub fn user(&self) -> Option<&UserActor> {
        match self {
            Actor::User(user) => Some(user),
            _ => None,
        }
    }

    /// The user id, when there is one.
    pub fn user_id(&self) -> Option<i64> {
        self.user().map(|u| u.id)
    }

    /// Administrators and the system.
    pub fn is_admin(&self) -> bool {
        match self {
            Actor::System => true,
            Actor::User(user) => user.is_admin,
            Actor::Anonymous => false,
        }
    }

    fn may(&self, scope: Scope) -> bool {
        match self {
            Actor::User(user) => user
                .scopes
                .as_ref()
                .is_none_or(|scopes| scopes.contains(&scope)),
            Actor::System => true,
            Actor::Anonymous => false,
        }
    }

    /// Whether the actor may change anything at all (tokens without `write` may not).
    pub fn may_write(&self) -> bool {
        self.may(Scope::Write)
    }

    /// Whether the actor may change anything: anonymous is unauthenticated (401), a read-only
    /// token forbidden (403). Every domain operation that writes starts here or with a check
    /// that implies it (`manages_*`, [`Actor::writer`]).
    pub fn check_write(&self) -> Result<(), super::Error> {
        match self {
            Actor::Anonymous => Err(super::Error::Unauthenticated),
            _ if !self.may_write() => Err(super::Error::forbidden("this token may only read")),
            _ => Ok(()),
        }
    }

    /// An administrator (or the system), for reading: 401 for anonymous, 403 for anyone else.
    pub fn check_admin(&self) -> Result<(), super::Error> {
        match self {
            Actor::Anonymous => Err(super::Error::Unauthenticated),
            _ if self.is_admin() => Ok(()),
            _ => Err(super::Error::forbidden("administrators only")),
        }
    }

    /// An administrator (or the system) who may change things.
    pub fn check_admin_write(&self) -> Result<(), super::Error> {
        self.check_admin()?;
        self.check_write()
    }

    /// The user, when one is signed in with the right to change things: for operations on
    /// one's own account. Anonymous is unauthenticated (401); a read-only token is forbidden.
    pub fn writer(&self) -> Result<&UserActor, super::Error> {
        let user = self.user().ok_or(super::Error::Unauthenticated)?;
        if !self.may_write() {
            return Err(super::Error::forbidden("this token may only read"));
        }
        Ok(user)
    }

    /// The user of a browser session (not an API token), with the right to change things: for
    /// what only the person at the keyboard may do, such as creating tokens.
    pub fn session_user(&self) -> Result<&UserActor, super::Error> {
        let user = self.writer()?;
        if user.scopes.is_some() {
            return Err(super::Error::forbidden(
                "tokens are created from a signed-in session, not with another token",
            ));
        }
        Ok(user)
    }

    /// May change `company`: a member (or admin) with the right to write. Refused with the
    /// reason the client can act on: 401 anonymous, 403 "may only read" for a read-only token,
    /// 403 `refusal` for anyone else.
    pub fn check_manages_company(&self, company: i64, refusal: &str) -> Result<(), super::Error> {
        self.check_write()?;
        if self.belongs_to_company(company) {
            Ok(())
        } else {
            Err(super::Error::forbidden(refusal))
        }
    }

    /// Member of `company`, for reading (or admin).
    pub fn belongs_to_company(&self, company: i64) -> bool {
        self.is_admin() || self.user().is_some_and(|u| u.companies.contains(&company))
    }

    /// Officer of `department` (or admin), for reading.
    pub fn belongs_to_department(&self, department: i64) -> bool {
        self.is_admin()
            || self
                .user()
                .is_some_and(|u| u.departments.contains(&department))
    }

    /// May change what `department` owns: an officer (or admin) with the right to write;
    /// refused like [`Actor::check_manages_company`].
    pub fn check_manages_department(
        &self,
        department: i64,
        refusal: &str,
    ) -> Result<(), super::Error> {
        self.check_write()?;
        if self.belongs_to_department(department) {
            Ok(())
        } else {
            Err(super::Error::forbidden(refusal))
        }
    }

    /// Officer of any department.
    pub fn is_officer(&self) -> bool {
        self.user().is_some_and(|u| !u.departments.is_empty())
    }

    /// Member of any company.
    pub fn is_company_member(&self) -> bool {
        self.user().is_some_and(|u| !u.companies.is_empty())
    }

    /// Language for messages.
    pub fn lang(&self) -> factoria_search::Lang {
        factoria_search::Lang::from_code(self.user().map_or("es", |u| u.locale.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(companies: Vec<i64>, departments: Vec<i64>, scopes: Option<Vec<Scope>>) -> Actor {
        Actor::User(UserActor {
            id: 1,
            name: "Ana".into(),
            email: "ana@example.org".into(),
            is_admin: false,
            companies,
            departments,
            scopes,
            locale: "es".into(),
        })
    }

    #[test]
    fn members_manage_only_their_company() {
        let member = user(vec![7], vec![], None);
        assert!(member.check_manages_company(7, "no").is_ok());
        assert!(matches!(
            member.check_manages_company(8, "no"),
            Err(crate::domain::Error::Forbidden(reason)) if reason == "no"
        ));
        assert!(matches!(
            Actor::Anonymous.check_manages_company(7, "no"),
            Err(crate::domain::Error::Unauthenticated)
        ));
    }

    #[test]
    fn read_only_tokens_change_nothing() {
        let token = user(vec![7], vec![3], Some(vec![Scope::Read]));
        assert!(token.belongs_to_company(7));
        for refused in [
            token.check_manages_company(7, "no"),
            token.check_manages_department(3, "no"),
        ] {
            assert!(
                matches!(&refused, Err(crate::domain::Error::Forbidden(reason)) if reason.contains("may only read")),
                "{refused:?}"
            );
        }
        assert!(matches!(
            token.writer(),
            Err(crate::domain::Error::Forbidden(_))
        ));
        assert!(matches!(
            Actor::Anonymous.writer(),
            Err(crate::domain::Error::Unauthenticated)
        ));
    }

    #[test]
    fn only_sessions_act_as_the_person_at_the_keyboard() {
        let session = user(vec![], vec![], None);
        assert!(session.session_user().is_ok());
        let token = user(vec![], vec![], Some(vec![Scope::Read, Scope::Write]));
        assert!(token.writer().is_ok());
        assert!(matches!(
            token.session_user(),
            Err(crate::domain::Error::Forbidden(_))
        ));
    }
}
