//! Vietnamese text: NFC normalisation, diacritic-insensitive search folding and name collation.
//! (Being written.)
