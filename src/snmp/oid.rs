//! The object identifiers the poller walks, grouped by MIB, and the subtree list of one poll.

/// SNMPv2-MIB system group.
pub const SYSTEM: &[u32] = &[1, 3, 6, 1, 2, 1, 1];
/// sysDescr.0
pub const SYS_DESCR: &[u32] = &[1, 3, 6, 1, 2, 1, 1, 1, 0];
/// sysObjectID.0
pub const SYS_OBJECT_ID: &[u32] = &[1, 3, 6, 1, 2, 1, 1, 2, 0];
/// sysName.0
pub const SYS_NAME: &[u32] = &[1, 3, 6, 1, 2, 1, 1, 5, 0];

/// IF-MIB ifDescr.
pub const IF_DESCR: &[u32] = &[1, 3, 6, 1, 2, 1, 2, 2, 1, 2];
/// IF-MIB ifType.
pub const IF_TYPE: &[u32] = &[1, 3, 6, 1, 2, 1, 2, 2, 1, 3];
/// IF-MIB ifPhysAddress.
pub const IF_PHYS_ADDRESS: &[u32] = &[1, 3, 6, 1, 2, 1, 2, 2, 1, 6];
/// IF-MIB ifOperStatus.
pub const IF_OPER_STATUS: &[u32] = &[1, 3, 6, 1, 2, 1, 2, 2, 1, 8];
/// IF-MIB ifName.
pub const IF_NAME: &[u32] = &[1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 1];
/// IF-MIB ifHighSpeed (Mb/s).
pub const IF_HIGH_SPEED: &[u32] = &[1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 15];
/// IF-MIB ifAlias.
pub const IF_ALIAS: &[u32] = &[1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 18];

/// IP-MIB ipNetToMediaPhysAddress (index ifIndex.a.b.c.d).
pub const IP_NET_TO_MEDIA_PHYS: &[u32] = &[1, 3, 6, 1, 2, 1, 4, 22, 1, 2];
/// IP-MIB ipNetToPhysicalPhysAddress (index ifIndex.addrType.len.addr).
pub const IP_NET_TO_PHYSICAL_PHYS: &[u32] = &[1, 3, 6, 1, 2, 1, 4, 35, 1, 4];

/// BRIDGE-MIB dot1dBaseBridgeAddress.0
pub const DOT1D_BASE_BRIDGE_ADDRESS: &[u32] = &[1, 3, 6, 1, 2, 1, 17, 1, 1, 0];
/// BRIDGE-MIB dot1dBasePortIfIndex.
pub const DOT1D_BASE_PORT_IF_INDEX: &[u32] = &[1, 3, 6, 1, 2, 1, 17, 1, 4, 1, 2];
/// BRIDGE-MIB dot1dTpFdbPort (index MAC).
pub const DOT1D_TP_FDB_PORT: &[u32] = &[1, 3, 6, 1, 2, 1, 17, 4, 3, 1, 2];
/// BRIDGE-MIB dot1dTpFdbStatus.
pub const DOT1D_TP_FDB_STATUS: &[u32] = &[1, 3, 6, 1, 2, 1, 17, 4, 3, 1, 3];
/// Q-BRIDGE-MIB dot1qTpFdbPort (index fdbId.MAC).
pub const DOT1Q_TP_FDB_PORT: &[u32] = &[1, 3, 6, 1, 2, 1, 17, 7, 1, 2, 2, 1, 2];
/// Q-BRIDGE-MIB dot1qTpFdbStatus.
pub const DOT1Q_TP_FDB_STATUS: &[u32] = &[1, 3, 6, 1, 2, 1, 17, 7, 1, 2, 2, 1, 3];
/// Q-BRIDGE-MIB dot1qVlanFdbId (index timeMark.vlan → fdbId).
pub const DOT1Q_VLAN_FDB_ID: &[u32] = &[1, 3, 6, 1, 2, 1, 17, 7, 1, 4, 2, 1, 3];

/// LLDP-MIB lldpLocChassisIdSubtype.0
pub const LLDP_LOC_CHASSIS_ID_SUBTYPE: &[u32] = &[1, 0, 8802, 1, 1, 2, 1, 3, 1, 0];
/// LLDP-MIB lldpLocChassisId.0
pub const LLDP_LOC_CHASSIS_ID: &[u32] = &[1, 0, 8802, 1, 1, 2, 1, 3, 2, 0];
/// LLDP-MIB lldpLocPortTable (subtype .2, id .3, desc .4; index lldpLocPortNum).
pub const LLDP_LOC_PORT_TABLE: &[u32] = &[1, 0, 8802, 1, 1, 2, 1, 3, 7, 1];
/// LLDP-MIB lldpRemEntry (index timeMark.localPortNum.remIndex).
pub const LLDP_REM_ENTRY: &[u32] = &[1, 0, 8802, 1, 1, 2, 1, 4, 1, 1];
/// LLDP-MIB lldpRemManAddrIfSubtype (index timeMark.localPortNum.remIndex.addrSubtype.len.addr).
pub const LLDP_REM_MAN_ADDR_IF_SUBTYPE: &[u32] = &[1, 0, 8802, 1, 1, 2, 1, 4, 2, 1, 3];
/// LLDP-EXT-MED-MIB lldpXMedRemInventoryEntry (index timeMark.localPortNum.remIndex).
pub const LLDP_MED_REM_INVENTORY: &[u32] = &[1, 0, 8802, 1, 1, 2, 1, 5, 4795, 1, 3, 3, 1];

/// CISCO-CDP-MIB cdpCacheEntry (index ifIndex.deviceIndex).
pub const CDP_CACHE_ENTRY: &[u32] = &[1, 3, 6, 1, 4, 1, 9, 9, 23, 1, 2, 1, 1];

/// POWER-ETHERNET-MIB pethPsePortEntry (index group.port).
pub const PETH_PSE_PORT_ENTRY: &[u32] = &[1, 3, 6, 1, 2, 1, 105, 1, 1, 1];

/// IEEE8021-PAE-MIB dot1xAuthConfigEntry (index dot1xPaePortNumber).
pub const DOT1X_AUTH_CONFIG_ENTRY: &[u32] = &[1, 0, 8802, 1, 1, 1, 1, 2, 1, 1];

/// ENTITY-MIB entPhysicalEntry.
pub const ENT_PHYSICAL_ENTRY: &[u32] = &[1, 3, 6, 1, 2, 1, 47, 1, 1, 1, 1];

/// CISCO-VTP-MIB vtpVlanState (index managementDomain.vlan).
pub const VTP_VLAN_STATE: &[u32] = &[1, 3, 6, 1, 4, 1, 9, 9, 46, 1, 3, 1, 1, 2];

/// Cisco's enterprise arc (sysObjectID under it means per-VLAN community indexing applies).
pub const CISCO_ENTERPRISE: &[u32] = &[1, 3, 6, 1, 4, 1, 9];

/// LLDP remote columns the poller reads: chassis subtype/id, port subtype/id, port desc,
/// system name/desc, capabilities supported/enabled.
pub const LLDP_REM_COLUMNS: &[u32] = &[4, 5, 6, 7, 8, 9, 10, 11, 12];
/// CDP cache columns: address type, address, version, device id, device port, platform,
/// capabilities.
pub const CDP_COLUMNS: &[u32] = &[3, 4, 5, 6, 7, 8, 9];
/// LLDP-MED inventory columns: hardware/firmware/software revision, serial, manufacturer, model.
pub const LLDP_MED_INVENTORY_COLUMNS: &[u32] = &[1, 2, 3, 4, 5, 6];
/// PSE port columns: admin enable, detection status, power classification.
pub const PETH_COLUMNS: &[u32] = &[3, 6, 10];
/// 802.1X authenticator columns: PAE state, controlled port status, port control.
pub const DOT1X_COLUMNS: &[u32] = &[1, 5, 6];
/// Entity columns: description, class, serial, model.
pub const ENT_COLUMNS: &[u32] = &[2, 5, 11, 13];

fn child(prefix: &[u32], col: u32) -> Vec<u32> {
    let mut v = prefix.to_vec();
    v.push(col);
    v
}

/// The subtrees one poll walks in its default context, in groups: each group (columns of one
/// table) is one walk ([`super::walk::walk_columns`]): the overshoot of one column is kept as
/// the next column's first rows, and when the first column is empty the table is absent and the
/// walk ends (an agent pays most for the first request of a walk, so a table should cost one
/// walk, not one per column).
pub fn poll_groups() -> Vec<Vec<Vec<u32>>> {
    let cols = |entry: &[u32], cs: &[u32]| -> Vec<Vec<u32>> {
        cs.iter().map(|&c| child(entry, c)).collect()
    };
    vec![
        vec![SYSTEM.to_vec()],
        vec![
            IF_DESCR.to_vec(),
            IF_TYPE.to_vec(),
            IF_PHYS_ADDRESS.to_vec(),
            IF_OPER_STATUS.to_vec(),
        ],
        vec![IF_NAME.to_vec(), IF_HIGH_SPEED.to_vec(), IF_ALIAS.to_vec()],
        vec![IP_NET_TO_MEDIA_PHYS.to_vec()],
        vec![IP_NET_TO_PHYSICAL_PHYS.to_vec()],
        vec![DOT1D_BASE_BRIDGE_ADDRESS[..DOT1D_BASE_BRIDGE_ADDRESS.len() - 1].to_vec()],
        vec![DOT1D_BASE_PORT_IF_INDEX.to_vec()],
        vec![DOT1D_TP_FDB_PORT.to_vec(), DOT1D_TP_FDB_STATUS.to_vec()],
        vec![
            DOT1Q_TP_FDB_PORT.to_vec(),
            DOT1Q_TP_FDB_STATUS.to_vec(),
            DOT1Q_VLAN_FDB_ID.to_vec(),
        ],
        vec![
            LLDP_LOC_CHASSIS_ID_SUBTYPE[..LLDP_LOC_CHASSIS_ID_SUBTYPE.len() - 1].to_vec(),
            LLDP_LOC_CHASSIS_ID[..LLDP_LOC_CHASSIS_ID.len() - 1].to_vec(),
        ],
        vec![LLDP_LOC_PORT_TABLE.to_vec()],
        cols(LLDP_REM_ENTRY, LLDP_REM_COLUMNS),
        vec![LLDP_REM_MAN_ADDR_IF_SUBTYPE.to_vec()],
        cols(LLDP_MED_REM_INVENTORY, LLDP_MED_INVENTORY_COLUMNS),
        cols(CDP_CACHE_ENTRY, CDP_COLUMNS),
        cols(PETH_PSE_PORT_ENTRY, PETH_COLUMNS),
        cols(DOT1X_AUTH_CONFIG_ENTRY, DOT1X_COLUMNS),
        cols(ENT_PHYSICAL_ENTRY, ENT_COLUMNS),
        vec![VTP_VLAN_STATE.to_vec()],
    ]
}

/// The scalars one GET fetches first (identity, and the switch's own MACs); it also tells
/// whether the switch answers at all. When the agent refuses the GET (a v1 agent answers
/// noSuchName for the whole PDU when one object is missing), the poller walks the groups that
/// hold them instead ([`scalar_groups`]).
pub const SCALARS: [&[u32]; 6] = [
    SYS_DESCR,
    SYS_OBJECT_ID,
    SYS_NAME,
    DOT1D_BASE_BRIDGE_ADDRESS,
    LLDP_LOC_CHASSIS_ID_SUBTYPE,
    LLDP_LOC_CHASSIS_ID,
];

/// The groups of [`poll_groups`] that only hold [`SCALARS`] (skipped when the GET worked).
pub fn scalar_groups() -> Vec<Vec<u32>> {
    vec![
        SYSTEM.to_vec(),
        DOT1D_BASE_BRIDGE_ADDRESS[..DOT1D_BASE_BRIDGE_ADDRESS.len() - 1].to_vec(),
        LLDP_LOC_CHASSIS_ID_SUBTYPE[..LLDP_LOC_CHASSIS_ID_SUBTYPE.len() - 1].to_vec(),
    ]
}

/// Every subtree of [`poll_groups`], flattened in walk order.
pub fn poll_subtrees() -> Vec<Vec<u32>> {
    poll_groups().into_iter().flatten().collect()
}

/// Subtrees walked in each per-VLAN context (`community@vlan`).
pub fn vlan_context_subtrees() -> Vec<Vec<u32>> {
    vec![
        DOT1D_BASE_PORT_IF_INDEX.to_vec(),
        DOT1D_TP_FDB_PORT.to_vec(),
        DOT1D_TP_FDB_STATUS.to_vec(),
    ]
}
