//! MITRE ATT&CK reference data for Microsoft Sentinel analytics rules.
//!
//! This module owns three static facts tables and the lookups over them:
//!
//! * the tactic names Sentinel accepts in a rule's `tactics` (Sentinel's
//!   Pascal-case spelling, e.g. `CredentialAccess`, plus the legacy `PreAttack`);
//! * every ATT&CK technique id (`T####`) with the tactics it belongs to, using
//!   the same Sentinel spellings: the Enterprise matrix plus the ICS matrix
//!   (`T0###`), because Sentinel also accepts the ICS tactics
//!   `ImpairProcessControl` and `InhibitResponseFunction`;
//! * the Enterprise sub-technique ids (`T####.###`).
//!
//! It does not decide severity or wording of findings, does not parse rule
//! files, and does not know which tactics a rule *should* have; the validator
//! owns that. All lookups are exact and allocation-free except the suggestion
//! helper.
//!
//! # Data source and version
//!
//! * Enterprise techniques, their tactics and the sub-technique list:
//!   MITRE ATT&CK Enterprise **v18.0** (216 techniques, 475 sub-techniques),
//!   transcribed from the generated data table in `SigmaHQ/pySigma`,
//!   `sigma/data/mitre_attack.py` (`mitre_attack_techniques_tactics_mapping`,
//!   itself generated from `mitre-attack/attack-stix-data`
//!   `enterprise-attack.json`; revoked and deprecated objects excluded).
//!   v18 is a superset of the v15/v16 parent techniques: no parent technique
//!   referenced by v15/v16 rules was removed, but a few sub-techniques were
//!   (e.g. `T1574.002` DLL Side-Loading was merged into `T1574.001` in v17), so
//!   `is_known_subtechnique` may say `Some(false)` for ids valid in older
//!   versions; treat that as a warning, not an error.
//! * ICS techniques (`T0###`): the ATT&CK for ICS matrix as published in
//!   v15–v18 (ids `T0800`–`T0895`), cross-checked against the
//!   technique→tactic table that Azure-Sentinel's own CI validates templates
//!   with (`Azure/Azure-Sentinel`,
//!   `.script/tests/detectionTemplateSchemaValidation/Models/ModelValidationAttributes/KillChainTechniquesHelper.cs`):
//!   every ICS id that file lists agrees with this table. The ICS tactic
//!   *Evasion* has no Sentinel spelling and is mapped to `DefenseEvasion`, as
//!   that file does. `T0810` and `T0818` are deprecated in ATT&CK for ICS but
//!   kept because that CI table still accepts them. ATT&CK for ICS has no
//!   sub-techniques in these versions (the v19 restructuring into `T16xx`
//!   ids is not covered).
//!
//! Known differences from the Azure-Sentinel CI table (where that table lags
//! or disagrees with ATT&CK; this module follows ATT&CK v18):
//! `T1098` also `PrivilegeEscalation`; `T1112` also `Persistence`;
//! `T1609` is `Execution` (CI: `Collection`); `T1610` is `DefenseEvasion` +
//! `Execution` (CI: + `Collection`); `T1613` and `T1614` are `Discovery`
//! (CI: `CredentialAccess`).
//!
//! `PreAttack` is a legacy tactic with no techniques of its own here; Sentinel's
//! CI treats the `Reconnaissance` and `ResourceDevelopment` techniques
//! (`T1583`–`T1598`) as `PreAttack` too, so a caller checking that a rule's
//! techniques match its tactics should let `PreAttack` stand for those two.
//!
//! # Updating
//!
//! Regenerate the tables from the newest ATT&CK STIX bundle (or pySigma's
//! generated `mitre_attack.py`): for every non-revoked, non-deprecated
//! `attack-pattern`, take the `mitre-attack` external id and the
//! `kill_chain_phases[].phase_name` values, map the phase names to the
//! Sentinel spellings (`credential-access` → `CredentialAccess`, ICS
//! `evasion` → `DefenseEvasion`, ...), order each tactic list as in
//! [`TACTICS`], and keep both tables sorted by id. Update the version above;
//! the unit tests check ordering, uniqueness and tactic spellings.

/// The tactics Sentinel accepts, spelled exactly as Sentinel spells them, in
/// kill-chain order (not sorted; use [`is_tactic`] to look names up). The
/// legacy `PreAttack` is recognised by [`is_tactic`] but not listed here.
pub(crate) const TACTICS: &[&str] = &[
    "Reconnaissance",
    "ResourceDevelopment",
    "InitialAccess",
    "Execution",
    "Persistence",
    "PrivilegeEscalation",
    "DefenseEvasion",
    "CredentialAccess",
    "Discovery",
    "LateralMovement",
    "Collection",
    "CommandAndControl",
    "Exfiltration",
    "Impact",
    "ImpairProcessControl",
    "InhibitResponseFunction",
];

/// Tactic names Sentinel still accepts but that no longer exist in ATT&CK.
const LEGACY_TACTICS: &[&str] = &["PreAttack"];

/// Other spellings of a tactic, keyed by their normalised form (see
/// [`normalise`]), sorted by key: ATT&CK tactic ids (Enterprise `TA00xx`, ICS
/// `TA01xx`), the ICS name *Evasion*, and common abbreviations.
const TACTIC_ALIASES: &[(&str, &str)] = &[
    ("c2", "CommandAndControl"),
    ("cnc", "CommandAndControl"),
    ("commandcontrol", "CommandAndControl"),
    ("evasion", "DefenseEvasion"),
    ("preattck", "PreAttack"),
    ("privesc", "PrivilegeEscalation"),
    ("recon", "Reconnaissance"),
    ("ta0001", "InitialAccess"),
    ("ta0002", "Execution"),
    ("ta0003", "Persistence"),
    ("ta0004", "PrivilegeEscalation"),
    ("ta0005", "DefenseEvasion"),
    ("ta0006", "CredentialAccess"),
    ("ta0007", "Discovery"),
    ("ta0008", "LateralMovement"),
    ("ta0009", "Collection"),
    ("ta0010", "Exfiltration"),
    ("ta0011", "CommandAndControl"),
    ("ta0040", "Impact"),
    ("ta0042", "ResourceDevelopment"),
    ("ta0043", "Reconnaissance"),
    ("ta0100", "Collection"),
    ("ta0101", "CommandAndControl"),
    ("ta0102", "Discovery"),
    ("ta0103", "DefenseEvasion"),
    ("ta0104", "Execution"),
    ("ta0105", "Impact"),
    ("ta0106", "ImpairProcessControl"),
    ("ta0107", "InhibitResponseFunction"),
    ("ta0108", "InitialAccess"),
    ("ta0109", "LateralMovement"),
    ("ta0110", "Persistence"),
    ("ta0111", "PrivilegeEscalation"),
];

/// Technique id → the tactics it belongs to (Sentinel spellings, in
/// [`TACTICS`] order). Sorted by id for binary search; Enterprise and ICS
/// techniques together (`T0###` sort first). One row per technique, so
/// rustfmt is told to leave the layout alone.
#[rustfmt::skip]
const TECHNIQUES: &[(&str, &[&str])] = &[
    ("T0800", &["InhibitResponseFunction"]),
    ("T0801", &["Collection"]),
    ("T0802", &["Collection"]),
    ("T0803", &["InhibitResponseFunction"]),
    ("T0804", &["InhibitResponseFunction"]),
    ("T0805", &["InhibitResponseFunction"]),
    ("T0806", &["ImpairProcessControl"]),
    ("T0807", &["Execution"]),
    ("T0809", &["InhibitResponseFunction"]),
    ("T0810", &["InitialAccess"]),  // deprecated in ICS; Sentinel CI accepts it
    ("T0811", &["Collection"]),
    ("T0812", &["LateralMovement"]),
    ("T0813", &["Impact"]),
    ("T0814", &["InhibitResponseFunction"]),
    ("T0815", &["Impact"]),
    ("T0816", &["InhibitResponseFunction"]),
    ("T0817", &["InitialAccess"]),
    ("T0818", &["InitialAccess"]),  // deprecated in ICS; Sentinel CI accepts it
    ("T0819", &["InitialAccess"]),
    ("T0820", &["DefenseEvasion"]),
    ("T0821", &["Execution"]),
    ("T0822", &["InitialAccess"]),
    ("T0823", &["Execution"]),
    ("T0826", &["Impact"]),
    ("T0827", &["Impact"]),
    ("T0828", &["Impact"]),
    ("T0829", &["Impact"]),
    ("T0830", &["Collection"]),
    ("T0831", &["Impact"]),
    ("T0832", &["Impact"]),
    ("T0834", &["Execution"]),
    ("T0835", &["InhibitResponseFunction"]),
    ("T0836", &["ImpairProcessControl"]),
    ("T0837", &["Impact"]),
    ("T0838", &["InhibitResponseFunction"]),
    ("T0839", &["Persistence", "ImpairProcessControl"]),
    ("T0840", &["Discovery"]),
    ("T0842", &["Discovery"]),
    ("T0843", &["LateralMovement"]),
    ("T0845", &["Collection"]),
    ("T0846", &["Discovery"]),
    ("T0847", &["InitialAccess"]),
    ("T0848", &["InitialAccess"]),
    ("T0849", &["DefenseEvasion"]),
    ("T0851", &["DefenseEvasion", "InhibitResponseFunction"]),
    ("T0852", &["Collection"]),
    ("T0853", &["Execution"]),
    ("T0855", &["ImpairProcessControl"]),
    ("T0856", &["DefenseEvasion", "ImpairProcessControl"]),
    ("T0857", &["Persistence", "InhibitResponseFunction"]),
    ("T0858", &["Execution", "DefenseEvasion"]),
    ("T0859", &["Persistence", "LateralMovement"]),
    ("T0860", &["InitialAccess"]),
    ("T0861", &["Collection"]),
    ("T0862", &["InitialAccess"]),
    ("T0863", &["Execution"]),
    ("T0864", &["InitialAccess"]),
    ("T0865", &["InitialAccess"]),
    ("T0866", &["InitialAccess", "LateralMovement"]),
    ("T0867", &["LateralMovement"]),
    ("T0868", &["Collection"]),
    ("T0869", &["CommandAndControl"]),
    ("T0871", &["Execution"]),
    ("T0872", &["DefenseEvasion"]),
    ("T0873", &["Persistence"]),
    ("T0874", &["Execution", "PrivilegeEscalation"]),
    ("T0877", &["Collection"]),
    ("T0878", &["InhibitResponseFunction"]),
    ("T0879", &["Impact"]),
    ("T0880", &["Impact"]),
    ("T0881", &["InhibitResponseFunction"]),
    ("T0882", &["Impact"]),
    ("T0883", &["InitialAccess"]),
    ("T0884", &["CommandAndControl"]),
    ("T0885", &["CommandAndControl"]),
    ("T0886", &["InitialAccess", "LateralMovement"]),
    ("T0887", &["Discovery", "Collection"]),
    ("T0888", &["Discovery"]),
    ("T0889", &["Persistence"]),
    ("T0890", &["PrivilegeEscalation"]),
    ("T0891", &["Persistence", "LateralMovement"]),
    ("T0892", &["InhibitResponseFunction"]),
    ("T0893", &["Collection"]),
    ("T0894", &["DefenseEvasion"]),
    ("T0895", &["Execution"]),
    ("T1001", &["CommandAndControl"]),
    ("T1003", &["CredentialAccess"]),
    ("T1005", &["Collection"]),
    ("T1006", &["DefenseEvasion"]),
    ("T1007", &["Discovery"]),
    ("T1008", &["CommandAndControl"]),
    ("T1010", &["Discovery"]),
    ("T1011", &["Exfiltration"]),
    ("T1012", &["Discovery"]),
    ("T1014", &["DefenseEvasion"]),
    ("T1016", &["Discovery"]),
    ("T1018", &["Discovery"]),
    ("T1020", &["Exfiltration"]),
    ("T1021", &["LateralMovement"]),
    ("T1025", &["Collection"]),
    ("T1027", &["DefenseEvasion"]),
    ("T1029", &["Exfiltration"]),
    ("T1030", &["Exfiltration"]),
    ("T1033", &["Discovery"]),
    ("T1036", &["DefenseEvasion"]),
    ("T1037", &["Persistence", "PrivilegeEscalation"]),
    ("T1039", &["Collection"]),
    ("T1040", &["CredentialAccess", "Discovery"]),
    ("T1041", &["Exfiltration"]),
    ("T1046", &["Discovery"]),
    ("T1047", &["Execution"]),
    ("T1048", &["Exfiltration"]),
    ("T1049", &["Discovery"]),
    ("T1052", &["Exfiltration"]),
    ("T1053", &["Execution", "Persistence", "PrivilegeEscalation"]),
    ("T1055", &["PrivilegeEscalation", "DefenseEvasion"]),
    ("T1056", &["CredentialAccess", "Collection"]),
    ("T1057", &["Discovery"]),
    ("T1059", &["Execution"]),
    ("T1068", &["PrivilegeEscalation"]),
    ("T1069", &["Discovery"]),
    ("T1070", &["DefenseEvasion"]),
    ("T1071", &["CommandAndControl"]),
    ("T1072", &["Execution", "LateralMovement"]),
    ("T1074", &["Collection"]),
    ("T1078", &["InitialAccess", "Persistence", "PrivilegeEscalation", "DefenseEvasion"]),
    ("T1080", &["LateralMovement"]),
    ("T1082", &["Discovery"]),
    ("T1083", &["Discovery"]),
    ("T1087", &["Discovery"]),
    ("T1090", &["CommandAndControl"]),
    ("T1091", &["InitialAccess", "LateralMovement"]),
    ("T1092", &["CommandAndControl"]),
    ("T1095", &["CommandAndControl"]),
    ("T1098", &["Persistence", "PrivilegeEscalation"]),
    ("T1102", &["CommandAndControl"]),
    ("T1104", &["CommandAndControl"]),
    ("T1105", &["CommandAndControl"]),
    ("T1106", &["Execution"]),
    ("T1110", &["CredentialAccess"]),
    ("T1111", &["CredentialAccess"]),
    ("T1112", &["Persistence", "DefenseEvasion"]),
    ("T1113", &["Collection"]),
    ("T1114", &["Collection"]),
    ("T1115", &["Collection"]),
    ("T1119", &["Collection"]),
    ("T1120", &["Discovery"]),
    ("T1123", &["Collection"]),
    ("T1124", &["Discovery"]),
    ("T1125", &["Collection"]),
    ("T1127", &["DefenseEvasion"]),
    ("T1129", &["Execution"]),
    ("T1132", &["CommandAndControl"]),
    ("T1133", &["InitialAccess", "Persistence"]),
    ("T1134", &["PrivilegeEscalation", "DefenseEvasion"]),
    ("T1135", &["Discovery"]),
    ("T1136", &["Persistence"]),
    ("T1137", &["Persistence"]),
    ("T1140", &["DefenseEvasion"]),
    ("T1176", &["Persistence"]),
    ("T1185", &["Collection"]),
    ("T1187", &["CredentialAccess"]),
    ("T1189", &["InitialAccess"]),
    ("T1190", &["InitialAccess"]),
    ("T1195", &["InitialAccess"]),
    ("T1197", &["Persistence", "DefenseEvasion"]),
    ("T1199", &["InitialAccess"]),
    ("T1200", &["InitialAccess"]),
    ("T1201", &["Discovery"]),
    ("T1202", &["DefenseEvasion"]),
    ("T1203", &["Execution"]),
    ("T1204", &["Execution"]),
    ("T1205", &["Persistence", "DefenseEvasion", "CommandAndControl"]),
    ("T1207", &["DefenseEvasion"]),
    ("T1210", &["LateralMovement"]),
    ("T1211", &["DefenseEvasion"]),
    ("T1212", &["CredentialAccess"]),
    ("T1213", &["Collection"]),
    ("T1216", &["DefenseEvasion"]),
    ("T1217", &["Discovery"]),
    ("T1218", &["DefenseEvasion"]),
    ("T1219", &["CommandAndControl"]),
    ("T1220", &["DefenseEvasion"]),
    ("T1221", &["DefenseEvasion"]),
    ("T1222", &["DefenseEvasion"]),
    ("T1480", &["DefenseEvasion"]),
    ("T1482", &["Discovery"]),
    ("T1484", &["PrivilegeEscalation", "DefenseEvasion"]),
    ("T1485", &["Impact"]),
    ("T1486", &["Impact"]),
    ("T1489", &["Impact"]),
    ("T1490", &["Impact"]),
    ("T1491", &["Impact"]),
    ("T1495", &["Impact"]),
    ("T1496", &["Impact"]),
    ("T1497", &["DefenseEvasion", "Discovery"]),
    ("T1498", &["Impact"]),
    ("T1499", &["Impact"]),
    ("T1505", &["Persistence"]),
    ("T1518", &["Discovery"]),
    ("T1525", &["Persistence"]),
    ("T1526", &["Discovery"]),
    ("T1528", &["CredentialAccess"]),
    ("T1529", &["Impact"]),
    ("T1530", &["Collection"]),
    ("T1531", &["Impact"]),
    ("T1534", &["LateralMovement"]),
    ("T1535", &["DefenseEvasion"]),
    ("T1537", &["Exfiltration"]),
    ("T1538", &["Discovery"]),
    ("T1539", &["CredentialAccess"]),
    ("T1542", &["Persistence", "DefenseEvasion"]),
    ("T1543", &["Persistence", "PrivilegeEscalation"]),
    ("T1546", &["Persistence", "PrivilegeEscalation"]),
    ("T1547", &["Persistence", "PrivilegeEscalation"]),
    ("T1548", &["PrivilegeEscalation", "DefenseEvasion"]),
    ("T1550", &["DefenseEvasion", "LateralMovement"]),
    ("T1552", &["CredentialAccess"]),
    ("T1553", &["DefenseEvasion"]),
    ("T1554", &["Persistence"]),
    ("T1555", &["CredentialAccess"]),
    ("T1556", &["Persistence", "DefenseEvasion", "CredentialAccess"]),
    ("T1557", &["CredentialAccess", "Collection"]),
    ("T1558", &["CredentialAccess"]),
    ("T1559", &["Execution"]),
    ("T1560", &["Collection"]),
    ("T1561", &["Impact"]),
    ("T1562", &["DefenseEvasion"]),
    ("T1563", &["LateralMovement"]),
    ("T1564", &["DefenseEvasion"]),
    ("T1565", &["Impact"]),
    ("T1566", &["InitialAccess"]),
    ("T1567", &["Exfiltration"]),
    ("T1568", &["CommandAndControl"]),
    ("T1569", &["Execution"]),
    ("T1570", &["LateralMovement"]),
    ("T1571", &["CommandAndControl"]),
    ("T1572", &["CommandAndControl"]),
    ("T1573", &["CommandAndControl"]),
    ("T1574", &["Persistence", "PrivilegeEscalation", "DefenseEvasion"]),
    ("T1578", &["DefenseEvasion"]),
    ("T1580", &["Discovery"]),
    ("T1583", &["ResourceDevelopment"]),
    ("T1584", &["ResourceDevelopment"]),
    ("T1585", &["ResourceDevelopment"]),
    ("T1586", &["ResourceDevelopment"]),
    ("T1587", &["ResourceDevelopment"]),
    ("T1588", &["ResourceDevelopment"]),
    ("T1589", &["Reconnaissance"]),
    ("T1590", &["Reconnaissance"]),
    ("T1591", &["Reconnaissance"]),
    ("T1592", &["Reconnaissance"]),
    ("T1593", &["Reconnaissance"]),
    ("T1594", &["Reconnaissance"]),
    ("T1595", &["Reconnaissance"]),
    ("T1596", &["Reconnaissance"]),
    ("T1597", &["Reconnaissance"]),
    ("T1598", &["Reconnaissance"]),
    ("T1599", &["DefenseEvasion"]),
    ("T1600", &["DefenseEvasion"]),
    ("T1601", &["DefenseEvasion"]),
    ("T1602", &["Collection"]),
    ("T1606", &["CredentialAccess"]),
    ("T1608", &["ResourceDevelopment"]),
    ("T1609", &["Execution"]),
    ("T1610", &["Execution", "DefenseEvasion"]),
    ("T1611", &["PrivilegeEscalation"]),
    ("T1612", &["DefenseEvasion"]),
    ("T1613", &["Discovery"]),
    ("T1614", &["Discovery"]),
    ("T1615", &["Discovery"]),
    ("T1619", &["Discovery"]),
    ("T1620", &["DefenseEvasion"]),
    ("T1621", &["CredentialAccess"]),
    ("T1622", &["DefenseEvasion", "Discovery"]),
    ("T1647", &["DefenseEvasion"]),
    ("T1648", &["Execution"]),
    ("T1649", &["CredentialAccess"]),
    ("T1650", &["ResourceDevelopment"]),
    ("T1651", &["Execution"]),
    ("T1652", &["Discovery"]),
    ("T1653", &["Persistence"]),
    ("T1654", &["Discovery"]),
    ("T1656", &["DefenseEvasion"]),
    ("T1657", &["Impact"]),
    ("T1659", &["InitialAccess", "CommandAndControl"]),
    ("T1665", &["CommandAndControl"]),
    ("T1666", &["DefenseEvasion"]),
    ("T1667", &["Impact"]),
    ("T1668", &["Persistence"]),
    ("T1669", &["InitialAccess"]),
    ("T1671", &["Persistence"]),
    ("T1672", &["DefenseEvasion"]),
    ("T1673", &["Discovery"]),
    ("T1674", &["Execution"]),
    ("T1675", &["Execution"]),
    ("T1677", &["Execution"]),
    ("T1678", &["DefenseEvasion"]),
    ("T1679", &["DefenseEvasion"]),
    ("T1680", &["Discovery"]),
    ("T1681", &["Reconnaissance"]),
];

/// Enterprise sub-techniques: parent id → the sorted sub-technique numbers
/// that exist under it (`("T1110", &[1, 2, 3, 4])` lists `T1110.001` to
/// `T1110.004`). Sorted by parent id for binary search.
const SUBTECHNIQUES: &[(&str, &[u16])] = &[
    ("T1001", &[1, 2, 3]),
    ("T1003", &[1, 2, 3, 4, 5, 6, 7, 8]),
    ("T1011", &[1]),
    ("T1016", &[1, 2]),
    ("T1020", &[1]),
    ("T1021", &[1, 2, 3, 4, 5, 6, 7, 8]),
    (
        "T1027",
        &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17],
    ),
    ("T1036", &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
    ("T1037", &[1, 2, 3, 4, 5]),
    ("T1048", &[1, 2, 3]),
    ("T1052", &[1]),
    ("T1053", &[2, 3, 5, 6, 7]),
    ("T1055", &[1, 2, 3, 4, 5, 8, 9, 11, 12, 13, 14, 15]),
    ("T1056", &[1, 2, 3, 4]),
    ("T1059", &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]),
    ("T1069", &[1, 2, 3]),
    ("T1070", &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
    ("T1071", &[1, 2, 3, 4, 5]),
    ("T1074", &[1, 2]),
    ("T1078", &[1, 2, 3, 4]),
    ("T1087", &[1, 2, 3, 4]),
    ("T1090", &[1, 2, 3, 4]),
    ("T1098", &[1, 2, 3, 4, 5, 6, 7]),
    ("T1102", &[1, 2, 3]),
    ("T1110", &[1, 2, 3, 4]),
    ("T1114", &[1, 2, 3]),
    ("T1127", &[1, 2, 3]),
    ("T1132", &[1, 2]),
    ("T1134", &[1, 2, 3, 4, 5]),
    ("T1136", &[1, 2, 3]),
    ("T1137", &[1, 2, 3, 4, 5, 6]),
    ("T1176", &[1, 2]),
    ("T1195", &[1, 2, 3]),
    ("T1204", &[1, 2, 3, 4, 5]),
    ("T1205", &[1, 2]),
    ("T1213", &[1, 2, 3, 4, 5, 6]),
    ("T1216", &[1, 2]),
    ("T1218", &[1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15]),
    ("T1219", &[1, 2, 3]),
    ("T1222", &[1, 2]),
    ("T1480", &[1, 2]),
    ("T1484", &[1, 2]),
    ("T1485", &[1]),
    ("T1491", &[1, 2]),
    ("T1496", &[1, 2, 3, 4]),
    ("T1497", &[1, 2, 3]),
    ("T1498", &[1, 2]),
    ("T1499", &[1, 2, 3, 4]),
    ("T1505", &[1, 2, 3, 4, 5, 6]),
    ("T1518", &[1, 2]),
    ("T1542", &[1, 2, 3, 4, 5]),
    ("T1543", &[1, 2, 3, 4, 5]),
    (
        "T1546",
        &[
            1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
        ],
    ),
    ("T1547", &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14, 15]),
    ("T1548", &[1, 2, 3, 4, 5, 6]),
    ("T1550", &[1, 2, 3, 4]),
    ("T1552", &[1, 2, 3, 4, 5, 6, 7, 8]),
    ("T1553", &[1, 2, 3, 4, 5, 6]),
    ("T1555", &[1, 2, 3, 4, 5, 6]),
    ("T1556", &[1, 2, 3, 4, 5, 6, 7, 8, 9]),
    ("T1557", &[1, 2, 3, 4]),
    ("T1558", &[1, 2, 3, 4, 5]),
    ("T1559", &[1, 2, 3]),
    ("T1560", &[1, 2, 3]),
    ("T1561", &[1, 2]),
    ("T1562", &[1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13]),
    ("T1563", &[1, 2]),
    ("T1564", &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]),
    ("T1565", &[1, 2, 3]),
    ("T1566", &[1, 2, 3, 4]),
    ("T1567", &[1, 2, 3, 4]),
    ("T1568", &[1, 2, 3]),
    ("T1569", &[1, 2, 3]),
    ("T1573", &[1, 2]),
    ("T1574", &[1, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]),
    ("T1578", &[1, 2, 3, 4, 5]),
    ("T1583", &[1, 2, 3, 4, 5, 6, 7, 8]),
    ("T1584", &[1, 2, 3, 4, 5, 6, 7, 8]),
    ("T1585", &[1, 2, 3]),
    ("T1586", &[1, 2, 3]),
    ("T1587", &[1, 2, 3, 4]),
    ("T1588", &[1, 2, 3, 4, 5, 6, 7]),
    ("T1589", &[1, 2, 3]),
    ("T1590", &[1, 2, 3, 4, 5, 6]),
    ("T1591", &[1, 2, 3, 4]),
    ("T1592", &[1, 2, 3, 4]),
    ("T1593", &[1, 2, 3]),
    ("T1595", &[1, 2, 3]),
    ("T1596", &[1, 2, 3, 4, 5]),
    ("T1597", &[1, 2]),
    ("T1598", &[1, 2, 3, 4]),
    ("T1599", &[1]),
    ("T1600", &[1, 2]),
    ("T1601", &[1, 2]),
    ("T1602", &[1, 2]),
    ("T1606", &[1, 2]),
    ("T1608", &[1, 2, 3, 4, 5, 6]),
    ("T1614", &[1]),
];

/// True if `name` is a tactic Sentinel accepts, compared exactly
/// (case-sensitive), including the legacy `PreAttack`.
pub(crate) fn is_tactic(name: &str) -> bool {
    TACTICS.contains(&name) || LEGACY_TACTICS.contains(&name)
}

/// The Sentinel spelling of the tactic `name` most likely means, for
/// "did you mean" hints: matches ignoring case, spaces and punctuation
/// (`"Credential Access"`, `"credential-access"` → `CredentialAccess`), ATT&CK
/// tactic ids (`"TA0006"`), the ICS name `"Evasion"`, a few abbreviations
/// (`"C2"`), and finally small typos (edit distance 1 for names of 4–7
/// letters, 2 for longer ones). Returns the canonical name even when `name` is
/// already exact; `None` when nothing is close.
pub(crate) fn tactic_suggestion(name: &str) -> Option<&'static str> {
    let wanted = normalise(name);
    if wanted.is_empty() {
        return None;
    }
    let all = || TACTICS.iter().chain(LEGACY_TACTICS).copied();
    if let Some(tactic) = all().find(|t| normalise(t) == wanted) {
        return Some(tactic);
    }
    if let Ok(i) = TACTIC_ALIASES.binary_search_by(|(alias, _)| (*alias).cmp(wanted.as_str())) {
        return Some(TACTIC_ALIASES[i].1);
    }
    let limit = match wanted.len() {
        0..=3 => return None,
        4..=7 => 1,
        _ => 2,
    };
    all()
        .map(|t| (strsim::levenshtein(&normalise(t), &wanted), t))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, t)| t)
}

/// The tactics of technique `id`, or `None` if the id is malformed or not a
/// known technique. `id` must be `T####` or `T####.###` exactly (upper-case
/// `T`, no whitespace). A sub-technique answers with its parent's tactics
/// (ATT&CK gives sub-techniques their parent's tactics); whether the
/// sub-technique itself exists is [`is_known_subtechnique`]'s question.
pub(crate) fn technique_tactics(id: &str) -> Option<&'static [&'static str]> {
    let (parent, _) = split_technique_id(id)?;
    TECHNIQUES
        .binary_search_by(|(t, _)| (*t).cmp(parent))
        .ok()
        .map(|i| TECHNIQUES[i].1)
}

/// Whether `id` is a sub-technique (`T####.###`) listed in the data.
///
/// This data does list sub-techniques, so the answer is always `Some`:
/// `Some(true)` for a listed sub-technique, `Some(false)` for anything else
/// (unlisted or retired sub-techniques, plain technique ids, malformed ids,
/// and ICS ids, which have no sub-techniques in these ATT&CK versions). The
/// `Option` lets a future data set without sub-techniques answer `None`.
#[allow(
    clippy::unnecessary_wraps,
    reason = "the validator's API keeps `None` for data sets without sub-techniques"
)]
pub(crate) fn is_known_subtechnique(id: &str) -> Option<bool> {
    let Some((parent, Some(number))) = split_technique_id(id) else {
        return Some(false);
    };
    let known = SUBTECHNIQUES
        .binary_search_by(|(p, _)| (*p).cmp(parent))
        .is_ok_and(|i| SUBTECHNIQUES[i].1.binary_search(&number).is_ok());
    Some(known)
}

/// Splits `T####` / `T####.###` into the parent id and the sub-technique
/// number (if any); `None` if `id` has any other shape.
fn split_technique_id(id: &str) -> Option<(&str, Option<u16>)> {
    let bytes = id.as_bytes();
    let digits = |range: std::ops::Range<usize>| bytes[range].iter().all(u8::is_ascii_digit);
    if bytes.len() < 5 || bytes[0] != b'T' || !digits(1..5) {
        return None;
    }
    match bytes.len() {
        5 => Some((id, None)),
        9 if bytes[5] == b'.' && digits(6..9) => {
            let number = id[6..].parse().ok()?;
            Some((&id[..5], Some(number)))
        }
        _ => None,
    }
}

/// Lower-cases ASCII letters and drops everything that is not a letter or
/// digit, so `"Command and Control"` and `"command-and-control"` both become
/// `"commandandcontrol"` (`"Command & Control"` becomes `"commandcontrol"`,
/// which [`TACTIC_ALIASES`] covers).
fn normalise(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted_unique<T: Ord>(items: &[T]) -> bool {
        items.windows(2).all(|w| w[0] < w[1])
    }

    #[test]
    fn tables_are_sorted_and_unique() {
        let ids: Vec<&str> = TECHNIQUES.iter().map(|(id, _)| *id).collect();
        assert!(
            sorted_unique(&ids),
            "TECHNIQUES must be sorted by id, no duplicates"
        );
        let parents: Vec<&str> = SUBTECHNIQUES.iter().map(|(p, _)| *p).collect();
        assert!(
            sorted_unique(&parents),
            "SUBTECHNIQUES must be sorted by parent"
        );
        for (parent, numbers) in SUBTECHNIQUES {
            assert!(
                sorted_unique(numbers),
                "{parent}: numbers must be sorted and unique"
            );
            assert!(numbers.iter().all(|n| (1..=999).contains(n)), "{parent}");
        }
        let aliases: Vec<&str> = TACTIC_ALIASES.iter().map(|(a, _)| *a).collect();
        assert!(
            sorted_unique(&aliases),
            "TACTIC_ALIASES must be sorted by key"
        );
        let mut tactics: Vec<&str> = TACTICS.iter().chain(LEGACY_TACTICS).copied().collect();
        tactics.sort_unstable();
        assert!(sorted_unique(&tactics), "tactic names must be unique");
    }

    #[test]
    fn table_contents_are_well_formed() {
        for (id, tactics) in TECHNIQUES {
            assert_eq!(split_technique_id(id), Some((*id, None)), "{id}");
            assert!(!tactics.is_empty(), "{id} has no tactics");
            let positions: Vec<usize> = tactics
                .iter()
                .map(|t| {
                    TACTICS
                        .iter()
                        .position(|k| k == t)
                        .unwrap_or_else(|| panic!("{id}: {t}"))
                })
                .collect();
            assert!(
                sorted_unique(&positions),
                "{id}: tactics must be unique, in TACTICS order"
            );
        }
        for (parent, _) in SUBTECHNIQUES {
            assert!(
                technique_tactics(parent).is_some(),
                "{parent} has sub-techniques but is unknown"
            );
        }
        for (alias, tactic) in TACTIC_ALIASES {
            assert_eq!(normalise(alias), *alias);
            assert!(is_tactic(tactic), "{alias} -> {tactic}");
        }
    }

    #[test]
    fn table_sizes_match_the_source() {
        let enterprise = TECHNIQUES
            .iter()
            .filter(|(id, _)| id.starts_with("T1"))
            .count();
        assert_eq!(
            enterprise, 216,
            "ATT&CK Enterprise v18.0 has 216 techniques"
        );
        let subs: usize = SUBTECHNIQUES.iter().map(|(_, n)| n.len()).sum();
        assert_eq!(subs, 475, "ATT&CK Enterprise v18.0 has 475 sub-techniques");
    }

    fn has_exactly(id: &str, expected: &[&str]) {
        let mut got = technique_tactics(id)
            .unwrap_or_else(|| panic!("{id} unknown"))
            .to_vec();
        let mut expected = expected.to_vec();
        got.sort_unstable();
        expected.sort_unstable();
        assert_eq!(got, expected, "{id}");
    }

    #[test]
    fn known_technique_facts() {
        has_exactly("T1110", &["CredentialAccess"]);
        has_exactly(
            "T1078",
            &[
                "DefenseEvasion",
                "InitialAccess",
                "Persistence",
                "PrivilegeEscalation",
            ],
        );
        has_exactly("T1098", &["Persistence", "PrivilegeEscalation"]);
        has_exactly("T1555", &["CredentialAccess"]);
        has_exactly("T1562.007", &["DefenseEvasion"]);
        has_exactly("T1110.003", &["CredentialAccess"]);
        has_exactly("T1595", &["Reconnaissance"]);
        has_exactly("T1583.001", &["ResourceDevelopment"]);
        has_exactly("T1659", &["InitialAccess", "CommandAndControl"]);
        // ICS: Evasion maps to DefenseEvasion; the ICS-only tactics appear.
        has_exactly("T0856", &["DefenseEvasion", "ImpairProcessControl"]);
        has_exactly("T0800", &["InhibitResponseFunction"]);
        has_exactly("T0836", &["ImpairProcessControl"]);
    }

    #[test]
    fn unknown_or_malformed_ids() {
        for id in [
            "T9999",
            "T1110.",
            "T1110.03",
            "T1110.0031",
            "t1110",
            "T111",
            "T11100",
            " T1110",
            "TA0006",
            "",
            "T1002",
            "T0808",
            "T１１１０",
        ] {
            assert_eq!(technique_tactics(id), None, "{id:?}");
        }
    }

    #[test]
    fn subtechniques() {
        assert_eq!(is_known_subtechnique("T1562.007"), Some(true));
        assert_eq!(is_known_subtechnique("T1110.004"), Some(true));
        assert_eq!(is_known_subtechnique("T1546.018"), Some(true));
        assert_eq!(is_known_subtechnique("T1110.005"), Some(false));
        assert_eq!(
            is_known_subtechnique("T1574.002"),
            Some(false),
            "retired in v17"
        );
        assert_eq!(is_known_subtechnique("T1110"), Some(false));
        assert_eq!(
            is_known_subtechnique("T1005.001"),
            Some(false),
            "T1005 has none"
        );
        assert_eq!(is_known_subtechnique("garbage"), Some(false));
        // A retired sub-technique still resolves through its parent.
        has_exactly(
            "T1574.002",
            &["Persistence", "PrivilegeEscalation", "DefenseEvasion"],
        );
    }

    #[test]
    fn tactics_exact() {
        assert!(is_tactic("CredentialAccess"));
        assert!(is_tactic("InhibitResponseFunction"));
        assert!(is_tactic("PreAttack"));
        assert!(!is_tactic("credentialaccess"));
        assert!(!is_tactic("Credential Access"));
        assert!(!is_tactic("Evasion"));
        assert_eq!(TACTICS.len(), 16);
    }

    #[test]
    fn tactic_suggestions() {
        let cases = [
            ("Credential Access", Some("CredentialAccess")),
            ("credential-access", Some("CredentialAccess")),
            ("CREDENTIALACCESS", Some("CredentialAccess")),
            ("CredentialAccess", Some("CredentialAccess")),
            ("Command and Control", Some("CommandAndControl")),
            ("Command & Control", Some("CommandAndControl")),
            ("C2", Some("CommandAndControl")),
            ("TA0006", Some("CredentialAccess")),
            ("ta0107", Some("InhibitResponseFunction")),
            ("Evasion", Some("DefenseEvasion")),
            ("Pre-ATT&CK", Some("PreAttack")),
            ("pre attack", Some("PreAttack")),
            ("PrivilegeEscalaton", Some("PrivilegeEscalation")),
            ("Persistance", Some("Persistence")),
            ("Impct", Some("Impact")),
            ("Exfil", None),
            ("Banana", None),
            ("", None),
            ("  ", None),
        ];
        for (input, expected) in cases {
            assert_eq!(tactic_suggestion(input), expected, "{input:?}");
        }
    }
}
