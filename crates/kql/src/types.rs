//! Scalar types of KQL columns and expressions.
//!
//! Owns the closed set of scalar types the analyser tracks and the mapping from type names as written in
//! KQL (`timespan`, `double`, `(*)`…) and in the Azure-Sentinel CustomTables format (`DateTime`, `Int32`…).
//! It does not do type inference; that lives in `analyze`.

/// A KQL scalar type. `Unknown` is used wherever the analyser cannot tell (it never causes an error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ScalarType {
    /// `string`
    String,
    /// `int` (32-bit)
    Int,
    /// `long` (64-bit)
    Long,
    /// `real` / `double`
    Real,
    /// `decimal`
    Decimal,
    /// `bool`
    Bool,
    /// `datetime`
    DateTime,
    /// `timespan`
    TimeSpan,
    /// `dynamic` (JSON-like); member access on it is always allowed
    Dynamic,
    /// `guid`
    Guid,
    /// Not statically known.
    Unknown,
}

impl ScalarType {
    /// Parses a type name as written in KQL (`string`, `double`, `timespan`, `date`…) or in the
    /// CustomTables JSON format (`String`, `DateTime`, `Int32`, `Double`, `Boolean`…). Case-insensitive.
    /// Returns `None` for names that are not scalar types.
    pub fn from_name(name: &str) -> Option<Self> {
        let lower = name.trim().to_ascii_lowercase();
        Some(match lower.as_str() {
            "string" | "system.string" => Self::String,
            "int" | "int32" | "system.int32" | "integer" => Self::Int,
            "long" | "int64" | "system.int64" => Self::Long,
            "real" | "double" | "float" | "system.double" | "system.single" => Self::Real,
            "decimal" | "system.decimal" => Self::Decimal,
            "bool" | "boolean" | "system.boolean" => Self::Bool,
            "datetime" | "date" | "system.datetime" => Self::DateTime,
            "timespan" | "time" | "system.timespan" => Self::TimeSpan,
            "dynamic" | "object" | "system.object" => Self::Dynamic,
            "guid" | "uniqueid" | "system.guid" => Self::Guid,
            _ => return None,
        })
    }

    /// The canonical KQL spelling (`datetime`, `real`…); `unknown` for [`ScalarType::Unknown`].
    pub fn kql_name(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Int => "int",
            Self::Long => "long",
            Self::Real => "real",
            Self::Decimal => "decimal",
            Self::Bool => "bool",
            Self::DateTime => "datetime",
            Self::TimeSpan => "timespan",
            Self::Dynamic => "dynamic",
            Self::Guid => "guid",
            Self::Unknown => "unknown",
        }
    }

    /// True for `int`, `long`, `real` and `decimal`.
    pub fn is_numeric(self) -> bool {
        matches!(self, Self::Int | Self::Long | Self::Real | Self::Decimal)
    }
}

impl std::fmt::Display for ScalarType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.kql_name())
    }
}

#[cfg(test)]
mod tests {
    use super::ScalarType;

    #[test]
    fn parses_kql_and_custom_table_names() {
        assert_eq!(
            ScalarType::from_name("DateTime"),
            Some(ScalarType::DateTime)
        );
        assert_eq!(ScalarType::from_name("double"), Some(ScalarType::Real));
        assert_eq!(ScalarType::from_name("Int32"), Some(ScalarType::Int));
        assert_eq!(
            ScalarType::from_name("timespan"),
            Some(ScalarType::TimeSpan)
        );
        assert_eq!(ScalarType::from_name("table"), None);
    }
}
