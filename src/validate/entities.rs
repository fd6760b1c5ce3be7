//! Microsoft Sentinel entity-mapping reference data for analytics rules.
//!
//! This module owns the facts behind a rule's `entityMappings`: which
//! `entityType` values Sentinel accepts, which `identifier` names each type
//! accepts in its `fieldMappings`, and which identifier combinations are
//! enough on their own to identify an entity. It does not parse rules, check
//! `columnName` against the query's output, or decide how findings are
//! reported; the validator owns that.
//!
//! # Data source
//!
//! * Entity types, identifiers and sufficient combinations: the table
//!   Azure-Sentinel's CI validates rule templates with (`Azure/Azure-Sentinel`,
//!   `.script/tests/detectionTemplateSchemaValidation/Models/EntityMappingIdentifiers.cs`,
//!   newest stored version, which adds `CloudAppAccountId` to Account; entity
//!   type list from `Models/EntityType.cs` in the same folder).
//! * Cross-checked against Microsoft's "Microsoft Sentinel entity types
//!   reference" (`MicrosoftDocs/azure-docs`,
//!   `articles/sentinel/entities-reference.md`, ms.date 2023-10-15), which adds
//!   the IP identifier `AddressScope` (included here), and against the ARM
//!   `EntityMappingType` enum (`@azure/arm-securityinsight`
//!   `KnownEntityMappingType`), which lists the same types except `IoTDevice`
//!   (kept here because the CI table accepts it).
//!
//! The docs also say a single entity mapping may use at most three
//! identifiers; that limit is not encoded here.
//!
//! # Sufficient combinations are permissive
//!
//! [`is_sufficient`] uses the CI table's "required identifiers" sets, which
//! are looser than the docs' *strong identifiers*: for example the CI accepts
//! Account `Name` alone (the docs call it weak and want `Name`+`UPNSuffix`,
//! `Name`+`NTDomain`, ...), File `Name` alone (docs: `Name`+`Directory`),
//! `RegistryKey` `Key` or `Hive` alone (docs: both), `MailCluster` `Query` or
//! `Source` alone (docs: both), `MailMessage` `NetworkMessageId` or `Recipient`
//! alone (docs: both). A mapping this module calls insufficient is rejected
//! by Azure-Sentinel's CI; one it calls sufficient may still be weak by the
//! docs' standard.
//!
//! # Updating
//!
//! Copy the identifier lists and required sets from the newest
//! `EntityMappingIdentifiers.cs` (and any new identifiers from the docs
//! table) into [`ENTITIES`], keeping it sorted by type name and
//! [`ENTITY_TYPES`] in the same order; the unit tests check ordering,
//! uniqueness and that every sufficient set uses valid identifiers.

/// Every `entityType` accepted in `entityMappings`, spelled exactly as
/// Sentinel expects (case-sensitive), sorted (byte order).
pub(crate) const ENTITY_TYPES: &[&str] = &[
    "Account",
    "AzureResource",
    "CloudApplication",
    "DNS",
    "File",
    "FileHash",
    "Host",
    "IP",
    "IoTDevice",
    "MailCluster",
    "MailMessage",
    "Mailbox",
    "Malware",
    "Process",
    "RegistryKey",
    "RegistryValue",
    "SecurityGroup",
    "SubmissionMail",
    "URL",
];

/// What one entity type accepts.
struct EntityDef {
    /// The `entityType` value.
    name: &'static str,
    /// Valid `fieldMappings[].identifier` values (case-sensitive).
    identifiers: &'static [&'static str],
    /// Identifier sets any one of which identifies the entity on its own.
    sufficient: &'static [&'static [&'static str]],
}

/// The entity table, sorted by `name` (byte order) for binary search.
const ENTITIES: &[EntityDef] = &[
    EntityDef {
        name: "Account",
        identifiers: &[
            "Name",
            "FullName",
            "NTDomain",
            "DnsDomain",
            "UPNSuffix",
            "Sid",
            "AadTenantId",
            "AadUserId",
            "PUID",
            "IsDomainJoined",
            "DisplayName",
            "ObjectGuid",
            "CloudAppAccountId",
        ],
        sufficient: &[
            &["FullName"],
            &["Sid"],
            &["Name"],
            &["AadUserId"],
            &["PUID"],
            &["ObjectGuid"],
        ],
    },
    EntityDef {
        name: "AzureResource",
        identifiers: &["ResourceId"],
        sufficient: &[&["ResourceId"]],
    },
    EntityDef {
        name: "CloudApplication",
        identifiers: &["AppId", "Name", "InstanceName"],
        sufficient: &[&["AppId"], &["Name"]],
    },
    EntityDef {
        name: "DNS",
        identifiers: &["DomainName"],
        sufficient: &[&["DomainName"]],
    },
    EntityDef {
        name: "File",
        identifiers: &["Directory", "Name"],
        sufficient: &[&["Name"]],
    },
    EntityDef {
        name: "FileHash",
        identifiers: &["Algorithm", "Value"],
        sufficient: &[&["Algorithm", "Value"]],
    },
    EntityDef {
        name: "Host",
        identifiers: &[
            "DnsDomain",
            "NTDomain",
            "HostName",
            "FullName",
            "NetBiosName",
            "AzureID",
            "OMSAgentID",
            "OSFamily",
            "OSVersion",
            "IsDomainJoined",
        ],
        sufficient: &[
            &["FullName"],
            &["HostName"],
            &["NetBiosName"],
            &["AzureID"],
            &["OMSAgentID"],
        ],
    },
    EntityDef {
        name: "IP",
        identifiers: &["Address", "AddressScope"],
        sufficient: &[&["Address"]],
    },
    EntityDef {
        name: "IoTDevice",
        identifiers: &[
            "DeviceId",
            "DeviceName",
            "Manufacturer",
            "Model",
            "FirmwareVersion",
            "OperatingSystem",
            "MacAddress",
            "Protocols",
            "SerialNumber",
            "Source",
            "IoTSecurityAgentId",
            "DeviceType",
        ],
        sufficient: &[&["DeviceId"]],
    },
    EntityDef {
        name: "MailCluster",
        identifiers: &[
            "NetworkMessageIds",
            "CountByDeliveryStatus",
            "CountByThreatType",
            "CountByProtectionStatus",
            "Threats",
            "Query",
            "QueryTime",
            "MailCount",
            "IsVolumeAnomaly",
            "Source",
            "ClusterSourceIdentifier",
            "ClusterSourceType",
            "ClusterQueryStartTime",
            "ClusterQueryEndTime",
            "ClusterGroup",
        ],
        sufficient: &[&["Query"], &["Source"]],
    },
    EntityDef {
        name: "MailMessage",
        identifiers: &[
            "Recipient",
            "Urls",
            "Threats",
            "Sender",
            "P1Sender",
            "P1SenderDisplayName",
            "P1SenderDomain",
            "SenderIP",
            "P2Sender",
            "P2SenderDisplayName",
            "P2SenderDomain",
            "ReceivedDate",
            "NetworkMessageId",
            "InternetMessageId",
            "Subject",
            "BodyFingerprintBin1",
            "BodyFingerprintBin2",
            "BodyFingerprintBin3",
            "BodyFingerprintBin4",
            "BodyFingerprintBin5",
            "AntispamDirection",
            "DeliveryAction",
            "DeliveryLocation",
            "Language",
            "ThreatDetectionMethods",
        ],
        sufficient: &[&["NetworkMessageId"], &["Recipient"]],
    },
    EntityDef {
        name: "Mailbox",
        identifiers: &[
            "MailboxPrimaryAddress",
            "DisplayName",
            "Upn",
            "ExternalDirectoryObjectId",
            "RiskLevel",
        ],
        sufficient: &[&["MailboxPrimaryAddress"]],
    },
    EntityDef {
        name: "Malware",
        identifiers: &["Name", "Category"],
        sufficient: &[&["Name"]],
    },
    EntityDef {
        name: "Process",
        identifiers: &[
            "ProcessId",
            "CommandLine",
            "ElevationToken",
            "CreationTimeUtc",
        ],
        sufficient: &[&["CommandLine"], &["ProcessId"]],
    },
    EntityDef {
        name: "RegistryKey",
        identifiers: &["Hive", "Key"],
        sufficient: &[&["Key"], &["Hive"]],
    },
    EntityDef {
        name: "RegistryValue",
        identifiers: &["Name", "Value", "ValueType"],
        sufficient: &[&["Name"]],
    },
    EntityDef {
        name: "SecurityGroup",
        identifiers: &["DistinguishedName", "SID", "ObjectGuid"],
        sufficient: &[&["DistinguishedName"], &["SID"], &["ObjectGuid"]],
    },
    EntityDef {
        name: "SubmissionMail",
        identifiers: &[
            "NetworkMessageId",
            "Timestamp",
            "Recipient",
            "Sender",
            "SenderIp",
            "Subject",
            "ReportType",
            "SubmissionId",
            "SubmissionDate",
            "Submitter",
        ],
        sufficient: &[
            &["SubmissionId"],
            &["NetworkMessageId"],
            &["Recipient"],
            &["Submitter"],
        ],
    },
    EntityDef {
        name: "URL",
        identifiers: &["Url"],
        sufficient: &[&["Url"]],
    },
];

/// Looks up an entity type by its exact (case-sensitive) name.
fn entity(entity_type: &str) -> Option<&'static EntityDef> {
    ENTITIES
        .binary_search_by(|e| e.name.cmp(entity_type))
        .ok()
        .map(|i| &ENTITIES[i])
}

/// The identifiers valid for `entity_type` (exact, case-sensitive type name,
/// e.g. `"IP"`, `"DNS"`, `"URL"`), or `None` if the type is unknown.
/// Identifier names are case-sensitive too (Account `Sid` but `SecurityGroup`
/// `SID`).
pub(crate) fn identifiers(entity_type: &str) -> Option<&'static [&'static str]> {
    entity(entity_type).map(|e| e.identifiers)
}

/// The valid identifier of `entity_type` closest to `given`, for "did you
/// mean" hints: a case-insensitive match first (`"sid"` → `Sid`), otherwise
/// the nearest by case-insensitive edit distance, allowed up to half the
/// length of `given` and never more than 3 (so `"HostNmae"` → `HostName`, but
/// a three-letter guess must be within one edit). Ties go to the identifier
/// listed first. `None` if the type is unknown or nothing is close; returns
/// `given`'s canonical form if it is already valid.
pub(crate) fn suggest_identifier(entity_type: &str, given: &str) -> Option<&'static str> {
    let candidates = identifiers(entity_type)?;
    if let Some(exact) = candidates.iter().find(|c| c.eq_ignore_ascii_case(given)) {
        return Some(exact);
    }
    let wanted = given.to_ascii_lowercase();
    let limit = (wanted.chars().count() / 2).clamp(1, 3);
    candidates
        .iter()
        .map(|c| (strsim::levenshtein(&c.to_ascii_lowercase(), &wanted), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// True if the identifier names `identifiers` (exact spelling; extra or
/// unknown names are ignored) include one of `entity_type`'s sufficient
/// combinations, i.e. the mapping identifies the entity on its own. False for
/// an unknown entity type. Permissive: see the module docs.
pub(crate) fn is_sufficient(entity_type: &str, identifiers: &[&str]) -> bool {
    entity(entity_type).is_some_and(|e| {
        e.sufficient
            .iter()
            .any(|set| set.iter().all(|needed| identifiers.contains(needed)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted_unique(items: &[&str]) -> bool {
        items.windows(2).all(|w| w[0] < w[1])
    }

    #[test]
    fn tables_are_sorted_and_unique() {
        assert!(
            sorted_unique(ENTITY_TYPES),
            "ENTITY_TYPES must be sorted, no duplicates"
        );
        let names: Vec<&str> = ENTITIES.iter().map(|e| e.name).collect();
        assert_eq!(
            names, ENTITY_TYPES,
            "ENTITIES and ENTITY_TYPES must list the same types"
        );
        for e in ENTITIES {
            let mut ids = e.identifiers.to_vec();
            ids.sort_unstable();
            assert!(sorted_unique(&ids), "{}: duplicate identifier", e.name);
        }
    }

    #[test]
    fn sufficient_sets_use_valid_identifiers() {
        for e in ENTITIES {
            assert!(!e.sufficient.is_empty(), "{}", e.name);
            for set in e.sufficient {
                assert!(!set.is_empty(), "{}", e.name);
                for id in *set {
                    assert!(e.identifiers.contains(id), "{}: {id}", e.name);
                }
                assert!(is_sufficient(e.name, set), "{}: {set:?}", e.name);
            }
        }
    }

    #[test]
    fn known_identifier_facts() {
        let account = identifiers("Account").unwrap_or_default();
        for id in [
            "Name",
            "FullName",
            "UPNSuffix",
            "Sid",
            "AadUserId",
            "PUID",
            "ObjectGuid",
        ] {
            assert!(account.contains(&id), "Account {id}");
        }
        assert_eq!(identifiers("IP"), Some(&["Address", "AddressScope"][..]));
        assert_eq!(identifiers("URL"), Some(&["Url"][..]));
        assert_eq!(identifiers("FileHash"), Some(&["Algorithm", "Value"][..]));
        assert!(
            identifiers("SecurityGroup")
                .unwrap_or_default()
                .contains(&"SID")
        );
        assert_eq!(identifiers("Ip"), None, "type names are case-sensitive");
        assert_eq!(identifiers("Url"), None);
        assert_eq!(identifiers("Nic"), None);
        assert_eq!(identifiers(""), None);
        assert_eq!(ENTITY_TYPES.len(), 19);
    }

    #[test]
    fn sufficiency() {
        assert!(is_sufficient("Account", &["FullName"]));
        assert!(is_sufficient("Account", &["Name", "UPNSuffix"]));
        assert!(is_sufficient("Account", &["AadUserId"]));
        assert!(!is_sufficient("Account", &["UPNSuffix"]));
        assert!(!is_sufficient("Account", &["NTDomain", "DnsDomain"]));
        assert!(
            !is_sufficient("Account", &["fullname"]),
            "identifiers are exact"
        );
        assert!(is_sufficient("IP", &["Address"]));
        assert!(!is_sufficient("IP", &["AddressScope"]));
        assert!(is_sufficient("FileHash", &["Algorithm", "Value"]));
        assert!(!is_sufficient("FileHash", &["Value"]));
        assert!(is_sufficient("Host", &["HostName", "DnsDomain"]));
        assert!(!is_sufficient("Host", &["DnsDomain"]));
        assert!(is_sufficient("Process", &["CommandLine"]));
        assert!(!is_sufficient("Process", &["CreationTimeUtc"]));
        assert!(!is_sufficient("Nope", &["Name"]));
        assert!(!is_sufficient("Account", &[]));
    }

    #[test]
    fn identifier_suggestions() {
        let cases = [
            ("Account", "fullname", Some("FullName")),
            ("Account", "FullName", Some("FullName")),
            ("Account", "FulName", Some("FullName")),
            ("Account", "AADUserId", Some("AadUserId")),
            ("Account", "UpnSuffix", Some("UPNSuffix")),
            ("Account", "Upn", None),
            ("Host", "HostNmae", Some("HostName")),
            ("Host", "Hostname", Some("HostName")),
            ("IP", "Adress", Some("Address")),
            ("IP", "IPAddress", Some("Address")),
            ("IP", "Banana", None),
            ("URL", "URL", Some("Url")),
            ("SecurityGroup", "Sid", Some("SID")),
            ("MailMessage", "SenderIp", Some("SenderIP")),
            ("SubmissionMail", "SenderIP", Some("SenderIp")),
            ("Unknown", "Name", None),
            ("Account", "", None),
        ];
        for (entity_type, given, expected) in cases {
            assert_eq!(
                suggest_identifier(entity_type, given),
                expected,
                "{entity_type} {given:?}"
            );
        }
    }
}
