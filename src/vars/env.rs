//! Variables in scope: the environment a RUN sees and the words expand against.

use std::sync::Arc;

/// An ordered list of `KEY=VALUE`, with the ordering BuildKit's `EnvList` gives: setting
/// a key that exists moves it to the end.
///
/// Each entry is kept as the `KEY=VALUE` text every RUN sends, shared: a stage's env is
/// copied for each ENV (the values expand against the env before it) and written into
/// each RUN, so copies cost a reference count and not a string each.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Env {
    vars: Vec<Entry>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Entry {
    /// `KEY=VALUE`.
    text: Arc<str>,
    key_len: usize,
}

impl Entry {
    fn key(&self) -> &str {
        &self.text[..self.key_len]
    }

    fn value(&self) -> &str {
        &self.text[self.key_len + 1..]
    }
}

impl Env {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.vars
            .iter()
            .rev()
            .find(|e| e.key() == key)
            .map(Entry::value)
    }

    pub(crate) fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Sets `key`, moving it to the end as `EnvList.AddOrReplace` does.
    pub(crate) fn set(&mut self, key: &str, value: &str) {
        if let Some(i) = self.vars.iter().position(|e| e.key() == key) {
            self.vars.remove(i);
        }
        let mut text = String::with_capacity(key.len() + 1 + value.len());
        text.push_str(key);
        text.push('=');
        text.push_str(value);
        self.vars.push(Entry {
            text: text.into(),
            key_len: key.len(),
        });
    }

    pub(crate) fn remove(&mut self, key: &str) {
        self.vars.retain(|e| e.key() != key);
    }

    /// Every key, in order.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &str> {
        self.vars.iter().map(Entry::key)
    }

    /// `KEY=VALUE` strings, the form of `Meta.env` and the image config's `Env`.
    pub(crate) fn to_strings(&self) -> Vec<String> {
        self.vars.iter().map(|e| e.text.to_string()).collect()
    }
}

/// Splits `KEY=VALUE`; a string without `=` is a key with an empty value.
pub(crate) fn split_key_value(entry: &str) -> (&str, &str) {
    entry.split_once('=').unwrap_or((entry, ""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setting_an_existing_key_moves_it_last() {
        let mut env = Env::new();
        env.set("A", "1");
        env.set("B", "2");
        env.set("A", "3");
        env.set("EMPTY", "");
        assert_eq!(env.to_strings(), ["B=2", "A=3", "EMPTY="]);
        assert_eq!(env.get("A"), Some("3"));
        assert_eq!(env.get("EMPTY"), Some(""));
        assert!(!env.contains("C"));
        assert!(!env.contains("A=3"), "a key, not an entry");
    }
}
