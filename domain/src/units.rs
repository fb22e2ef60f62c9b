//! Administrative units in the two-tier structure in force since 1 July 2025: province →
//! commune (xã, phường, đặc khu) → hamlet (thôn, tổ dân phố). Hamlets have no official code.

crate::coded_enum! {
    /// Kind of a hamlet.
    pub enum HamletKind("hamlet kind") {
        /// Thôn (rural).
        Thon = "thon",
        /// Tổ dân phố (urban residential group).
        ToDanPho = "to_dan_pho",
    }
}

impl HamletKind {
    /// Vietnamese label.
    pub fn label(self) -> &'static str {
        crate::labels::hamlet_kind(self)
    }
}

crate::coded_enum! {
    /// Kind of a commune-level unit.
    pub enum CommuneKind("commune kind") {
        /// Xã.
        Xa = "xa",
        /// Phường.
        Phuong = "phuong",
        /// Đặc khu.
        DacKhu = "dac_khu",
    }
}
