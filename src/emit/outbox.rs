pub const SCHEMA: &str = "";
