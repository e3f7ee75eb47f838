//! STUB until the condition reader lands.
use crate::ir::Condition;
use super::cx::Cx;
use super::text::Text;
pub(super) fn condition(cx: &mut Cx, text: &Text<'_>) -> Option<Condition> {
    cx.word(text).map(Condition::Truthy)
}
