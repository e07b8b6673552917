//! The dashboard's days: the range asked for, and the same number of days before it.

use app::dashboard::DashboardRange;
use app::error::AppError;
use chrono::{Days, NaiveDate};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The first day of the previous period (which ends the day before `from`).
    pub previous_from: NaiveDate,
}

impl Window {
    pub fn of(range: DashboardRange, today: NaiveDate) -> Result<Window, AppError> {
        let too_long = || {
            AppError::invalid(
                "from",
                format!("Choose at most {} days.", DashboardRange::MAX_DAYS),
            )
        };
        let (from, to) = match range {
            DashboardRange::Last(days) => (
                today
                    .checked_sub_days(Days::new(u64::from(days.max(1)) - 1))
                    .ok_or_else(too_long)?,
                today,
            ),
            DashboardRange::Custom { from, to } => {
                let date = |day: app::agents::Day, field: &str| {
                    NaiveDate::from_ymd_opt(day.year, day.month, day.day)
                        .ok_or_else(|| AppError::invalid(field, format!("{day} is not a date.")))
                };
                (date(from, "from")?, date(to, "to")?)
            }
        };
        let days = (to - from).num_days() + 1;
        if days > i64::from(DashboardRange::MAX_DAYS) {
            return Err(too_long());
        }
        let previous_from = from
            .checked_sub_days(Days::new(days as u64))
            .ok_or_else(too_long)?;
        Ok(Window {
            from,
            to,
            previous_from,
        })
    }

    /// Every day of the range, oldest first.
    pub fn days(&self) -> Vec<NaiveDate> {
        self.from
            .iter_days()
            .take_while(|day| *day <= self.to)
            .collect()
    }

    /// Where `day` falls in [`Window::days`].
    pub fn index(&self, day: NaiveDate) -> Option<usize> {
        (day >= self.from && day <= self.to).then(|| (day - self.from).num_days() as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn last_n_days_end_today_and_compare_with_the_n_before() {
        let window = Window::of(DashboardRange::Last(7), date("2026-11-22")).unwrap();
        assert_eq!(window.from, date("2026-11-16"));
        assert_eq!(window.previous_from, date("2026-11-09"));
        assert_eq!(window.days().len(), 7);
        assert_eq!(window.index(date("2026-11-22")), Some(6));
        assert_eq!(window.index(date("2026-11-15")), None);
    }

    #[test]
    fn custom_ranges_are_checked() {
        let custom = |from: &str, to: &str| {
            DashboardRange::parse(Some("custom"), Some(from), Some(to))
                .and_then(|range| Window::of(range, date("2026-11-22")))
        };
        let window = custom("2026-02-27", "2026-03-02").unwrap();
        assert_eq!(window.days().len(), 4);
        assert_eq!(window.previous_from, date("2026-02-23"));
        assert!(custom("2026-02-30", "2026-03-02").is_err());
        assert!(custom("2024-01-01", "2026-01-01").is_err());
    }
}
