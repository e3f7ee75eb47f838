//! Variables in scope: the environment a RUN sees and the words expand against.

/// An ordered list of `KEY=VALUE`, with the ordering BuildKit's `EnvList` gives: setting
/// a key that exists moves it to the end.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Env {
    vars: Vec<(String, String)>,
}

impl Env {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.vars
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Sets `key`, moving it to the end as `EnvList.AddOrReplace` does.
    pub(crate) fn set(&mut self, key: &str, value: &str) {
        if let Some(i) = self.vars.iter().position(|(k, _)| k == key) {
            self.vars.remove(i);
        }
        self.vars.push((key.to_string(), value.to_string()));
    }

    /// `KEY=VALUE` strings, the form of `Meta.env` and the image config's `Env`.
    pub(crate) fn to_strings(&self) -> Vec<String> {
        self.vars.iter().map(|(k, v)| format!("{k}={v}")).collect()
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
        assert_eq!(env.to_strings(), ["B=2", "A=3"]);
        assert_eq!(env.get("A"), Some("3"));
        assert!(!env.contains("C"));
    }
}
