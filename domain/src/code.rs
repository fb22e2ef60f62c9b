//! Enums with a stable machine code: the string stored in the database, sent on the wire and
//! printed in `--json` output. [`coded_enum!`](crate::coded_enum) defines such an enum once: its
//! variants, their codes, serde as the code, `Display` as the code, and the [`Code`] trait through
//! which the store reads and writes every one of them (`hoctap_store::codec`).

/// An enum with a stable code per variant.
pub trait Code: Sized + Copy + Eq + std::fmt::Debug + 'static {
    /// Every variant, in declaration order.
    const ALL: &'static [Self];
    /// Name of the type for error messages ("model", "sync state").
    const WHAT: &'static str;

    /// The variant's code.
    fn code(self) -> &'static str;

    /// The variant with this code.
    fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.code() == code)
    }
}

/// Define an enum whose variants each have a stable code (see the module docs).
///
/// ```
/// hoctap_domain::coded_enum! {
///     /// A colour.
///     pub enum Colour("colour") {
///         /// Red.
///         Red = "red",
///         Green = "green",
///     }
/// }
/// use hoctap_domain::code::Code;
/// assert_eq!(Colour::from_code("green"), Some(Colour::Green));
/// assert_eq!(serde_json::to_string(&Colour::Red).unwrap(), "\"red\"");
/// ```
#[macro_export]
macro_rules! coded_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident ($what:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The variant with this code.
            pub fn from_code(code: &str) -> Option<$name> {
                <$name as $crate::code::Code>::from_code(code)
            }
        }

        impl $crate::code::Code for $name {
            const ALL: &'static [$name] = &[$($name::$variant),+];
            const WHAT: &'static str = $what;
            fn code(self) -> &'static str {
                $name::code(self)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                let s = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?;
                <$name as $crate::code::Code>::from_code(&s).ok_or_else(|| {
                    ::serde::de::Error::unknown_variant(&s, &[$($code),+])
                })
            }
        }
    };
}
