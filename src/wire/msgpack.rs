//! MessagePack, the package's wire format between JavaScript and the module
//! (`pkg-template/codec.js` writes and reads the other end): a serde `Deserializer`
//! over a byte slice and a `Serializer` into a `Vec<u8>`, for the data model JSON
//! has (nil, booleans, integers, floats, text, lists, maps with text keys).
//!
//! Why not rmp-serde: it reads any MessagePack through a generic reader and
//! configuration, instantiated again for every serde visitor, and that came to
//! 55 KB of the 437 KB module. These two handle only what `codec.js` writes and
//! what the results need, in about half of that (the visitors' own code
//! included); the module went from 173.6 to 160.9 KB gzip. Tests check them
//! against rmp-serde byte for byte (tests/msgpack.rs).
//!
//! Text is borrowed from the input (`visit_borrowed_str`) and checked as UTF-8.
//! Nesting is limited, so that no input can exhaust the stack.

use crate::limits::MAX_MSGPACK_DEPTH;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::ser::{self, Serialize};
use std::fmt;

/// Bytes that are not the MessagePack this reads, or a value that cannot be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(Box<str>);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Error {
        Error(msg.to_string().into())
    }

    // serde's own messages print the unexpected value, and printing a float would
    // pull Rust's float formatting (14 KB) into the module: name its kind instead.
    fn invalid_type(unexpected: de::Unexpected, expected: &dyn de::Expected) -> Error {
        Error(format!("invalid type: {}, expected {expected}", kind(&unexpected)).into())
    }

    fn invalid_value(unexpected: de::Unexpected, expected: &dyn de::Expected) -> Error {
        Error(format!("invalid value: {}, expected {expected}", kind(&unexpected)).into())
    }
}

fn kind(unexpected: &de::Unexpected) -> &'static str {
    use de::Unexpected as U;
    match unexpected {
        U::Bool(_) => "a boolean",
        U::Unsigned(_) | U::Signed(_) | U::Float(_) => "a number",
        U::Char(_) | U::Str(_) => "a string",
        U::Bytes(_) => "bytes",
        U::Unit | U::Option => "null",
        U::Seq => "a list",
        U::Map => "a map",
        _ => "another kind of value",
    }
}

impl ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Error {
        Error(msg.to_string().into())
    }
}

fn error(msg: &str) -> Error {
    Error(msg.into())
}

fn utf8(bytes: &[u8]) -> Result<&str, Error> {
    std::str::from_utf8(bytes).map_err(|_| error("text that is not UTF-8"))
}

// ---------------------------------------------------------------------------
// Reading

/// Reads MessagePack from a slice. After a value, [`Reader::end`] checks that
/// nothing follows it.
pub struct Reader<'b> {
    rest: &'b [u8],
    depth: usize,
}

impl<'b> Reader<'b> {
    pub fn new(bytes: &'b [u8]) -> Reader<'b> {
        Reader { rest: bytes, depth: 0 }
    }

    /// Whether the whole input was read.
    pub fn end(&self) -> Result<(), Error> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(error("unexpected bytes after the value"))
        }
    }

    fn take(&mut self, n: usize) -> Result<&'b [u8], Error> {
        if n > self.rest.len() {
            return Err(error("the data ends in the middle of a value"));
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], Error> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn byte(&mut self) -> Result<u8, Error> {
        Ok(u8::from_be_bytes(self.array()?))
    }

    fn len16(&mut self) -> Result<usize, Error> {
        Ok(usize::from(u16::from_be_bytes(self.array()?)))
    }

    fn len32(&mut self) -> Result<usize, Error> {
        Ok(u32::from_be_bytes(self.array()?) as usize)
    }

    fn peek(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    fn nested<V: Visitor<'b>>(&mut self, len: usize, is_map: bool, visitor: V) -> Result<V::Value, Error> {
        // Every item takes at least one byte: a count beyond the bytes left is a lie,
        // and is refused before anything is reserved for it.
        if len > self.rest.len() {
            return Err(error("a list or map is longer than the data"));
        }
        if self.depth >= MAX_MSGPACK_DEPTH {
            return Err(error("lists and maps nest too deeply"));
        }
        self.depth += 1;
        let out = if is_map {
            visitor.visit_map(Items { reader: self, left: len })
        } else {
            visitor.visit_seq(Items { reader: self, left: len })
        };
        self.depth -= 1;
        out
    }
}

/// One value's head, read without knowing the visitor: the part of reading that
/// is the same for every type read, kept out of the code instantiated per visitor.
enum Head<'b> {
    Nil,
    Bool(bool),
    Unsigned(u64),
    Signed(i64),
    Float(f64),
    Text(&'b [u8]),
    Bytes(&'b [u8]),
    List(usize),
    Map(usize),
}

impl<'b> Reader<'b> {
    fn head(&mut self) -> Result<Head<'b>, Error> {
        let marker = self.byte()?;
        Ok(match marker {
            0x00..=0x7f => Head::Unsigned(u64::from(marker)),
            0x80..=0x8f => Head::Map(usize::from(marker & 0x0f)),
            0x90..=0x9f => Head::List(usize::from(marker & 0x0f)),
            0xa0..=0xbf => Head::Text(self.take(usize::from(marker & 0x1f))?),
            0xc0 => Head::Nil,
            0xc2 => Head::Bool(false),
            0xc3 => Head::Bool(true),
            0xc4 => {
                let n = usize::from(self.byte()?);
                Head::Bytes(self.take(n)?)
            }
            0xc5 => {
                let n = self.len16()?;
                Head::Bytes(self.take(n)?)
            }
            0xc6 => {
                let n = self.len32()?;
                Head::Bytes(self.take(n)?)
            }
            0xca => Head::Float(f64::from(f32::from_be_bytes(self.array()?))),
            0xcb => Head::Float(f64::from_be_bytes(self.array()?)),
            0xcc => Head::Unsigned(u64::from(self.byte()?)),
            0xcd => Head::Unsigned(u64::from(u16::from_be_bytes(self.array()?))),
            0xce => Head::Unsigned(u64::from(u32::from_be_bytes(self.array()?))),
            0xcf => Head::Unsigned(u64::from_be_bytes(self.array()?)),
            0xd0 => Head::Signed(i64::from(i8::from_be_bytes(self.array()?))),
            0xd1 => Head::Signed(i64::from(i16::from_be_bytes(self.array()?))),
            0xd2 => Head::Signed(i64::from(i32::from_be_bytes(self.array()?))),
            0xd3 => Head::Signed(i64::from_be_bytes(self.array()?)),
            0xd9 => {
                let n = usize::from(self.byte()?);
                Head::Text(self.take(n)?)
            }
            0xda => {
                let n = self.len16()?;
                Head::Text(self.take(n)?)
            }
            0xdb => {
                let n = self.len32()?;
                Head::Text(self.take(n)?)
            }
            0xdc => Head::List(self.len16()?),
            0xdd => Head::List(self.len32()?),
            0xde => Head::Map(self.len16()?),
            0xdf => Head::Map(self.len32()?),
            0xe0..=0xff => Head::Signed(i64::from(marker as i8)),
            // 0xc1 (never used) and the extension types, which codec.js never writes.
            _ => return Err(error("a MessagePack type that JSON data does not have")),
        })
    }
}

impl<'de> de::Deserializer<'de> for &mut Reader<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        // Short text (keys, event types, most values) read here, the rest by head().
        if let Some(&marker @ 0xa0..=0xbf) = self.rest.first() {
            self.rest = self.rest.get(1..).unwrap_or_default();
            let bytes = self.take(usize::from(marker & 0x1f))?;
            return visitor.visit_borrowed_str(utf8(bytes)?);
        }
        match self.head()? {
            Head::Nil => visitor.visit_unit(),
            Head::Bool(b) => visitor.visit_bool(b),
            Head::Unsigned(n) => visitor.visit_u64(n),
            Head::Signed(n) => visitor.visit_i64(n),
            Head::Float(f) => visitor.visit_f64(f),
            Head::Text(bytes) => visitor.visit_borrowed_str(utf8(bytes)?),
            Head::Bytes(bytes) => visitor.visit_borrowed_bytes(bytes),
            Head::List(n) => self.nested(n, false, visitor),
            Head::Map(n) => self.nested(n, true, visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.peek() == Some(0xc0) {
            self.rest = self.rest.get(1..).unwrap_or_default();
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// The items of a list or the entries of a map, `left` still to read.
struct Items<'r, 'b> {
    reader: &'r mut Reader<'b>,
    left: usize,
}

impl<'de> SeqAccess<'de> for Items<'_, 'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(&mut *self.reader).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

impl<'de> MapAccess<'de> for Items<'_, 'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(&mut *self.reader).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        seed.deserialize(&mut *self.reader)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

// ---------------------------------------------------------------------------
// Writing

/// Writes `value` as MessagePack: structs as maps keyed by field name, unit enum
/// variants as their name, as JSON would show them.
pub fn to_vec<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, Error> {
    let mut w = Writer { out: Vec::with_capacity(256) };
    value.serialize(&mut w)?;
    Ok(w.out)
}

struct Writer {
    out: Vec<u8>,
}

impl Writer {
    fn uint(&mut self, v: u64) {
        if v < 0x80 {
            self.out.push(v as u8);
        } else if let Ok(v) = u8::try_from(v) {
            self.out.extend_from_slice(&[0xcc, v]);
        } else if let Ok(v) = u16::try_from(v) {
            self.out.push(0xcd);
            self.out.extend_from_slice(&v.to_be_bytes());
        } else if let Ok(v) = u32::try_from(v) {
            self.out.push(0xce);
            self.out.extend_from_slice(&v.to_be_bytes());
        } else {
            self.out.push(0xcf);
            self.out.extend_from_slice(&v.to_be_bytes());
        }
    }

    fn int(&mut self, v: i64) {
        if v >= 0 {
            self.uint(v.unsigned_abs());
        } else if v >= -32 {
            self.out.push(v as u8);
        } else if let Ok(v) = i8::try_from(v) {
            self.out.extend_from_slice(&[0xd0, v as u8]);
        } else if let Ok(v) = i16::try_from(v) {
            self.out.push(0xd1);
            self.out.extend_from_slice(&v.to_be_bytes());
        } else if let Ok(v) = i32::try_from(v) {
            self.out.push(0xd2);
            self.out.extend_from_slice(&v.to_be_bytes());
        } else {
            self.out.push(0xd3);
            self.out.extend_from_slice(&v.to_be_bytes());
        }
    }

    fn text(&mut self, s: &str) {
        let n = s.len();
        if n < 32 {
            self.out.push(0xa0 | n as u8);
        } else if let Ok(n) = u8::try_from(n) {
            self.out.extend_from_slice(&[0xd9, n]);
        } else if let Ok(n) = u16::try_from(n) {
            self.out.push(0xda);
            self.out.extend_from_slice(&n.to_be_bytes());
        } else {
            self.out.push(0xdb);
            self.out.extend_from_slice(&(n as u32).to_be_bytes());
        }
        self.out.extend_from_slice(s.as_bytes());
    }

    /// A list or map header. With the length unknown, a 32-bit header to fill in
    /// at the end; returns where.
    fn header(&mut self, len: Option<usize>, is_map: bool) -> Result<Option<usize>, Error> {
        let (fix, b16, b32) = if is_map { (0x80u8, 0xdeu8, 0xdfu8) } else { (0x90, 0xdc, 0xdd) };
        match len {
            Some(n) if n < 16 => self.out.push(fix | n as u8),
            Some(n) if n <= usize::from(u16::MAX) => {
                self.out.push(b16);
                self.out.extend_from_slice(&(n as u16).to_be_bytes());
            }
            Some(n) => {
                let n = u32::try_from(n).map_err(|_| error("a list or map too long for MessagePack"))?;
                self.out.push(b32);
                self.out.extend_from_slice(&n.to_be_bytes());
            }
            None => {
                self.out.push(b32);
                self.out.extend_from_slice(&[0; 4]);
                return Ok(Some(self.out.len() - 4));
            }
        }
        Ok(None)
    }
}

/// A list or map being written: where its count goes when it was not known up
/// front, and how many items it has had.
pub struct Compound<'w> {
    w: &'w mut Writer,
    patch: Option<usize>,
    count: u32,
}

impl Compound<'_> {
    fn item<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.count = self.count.wrapping_add(1);
        v.serialize(&mut *self.w)
    }

    fn finish(self) -> Result<(), Error> {
        if let Some(at) = self.patch {
            if let Some(slot) = self.w.out.get_mut(at..at + 4) {
                slot.copy_from_slice(&self.count.to_be_bytes());
            }
        }
        Ok(())
    }
}

impl<'w> ser::Serializer for &'w mut Writer {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'w>;
    type SerializeTuple = Compound<'w>;
    type SerializeTupleStruct = Compound<'w>;
    type SerializeTupleVariant = Compound<'w>;
    type SerializeMap = Compound<'w>;
    type SerializeStruct = Compound<'w>;
    type SerializeStructVariant = Compound<'w>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.out.push(if v { 0xc3 } else { 0xc2 });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        self.int(v);
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        self.uint(v);
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        self.out.push(0xcb);
        self.out.extend_from_slice(&v.to_be_bytes());
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.text(v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.text(v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        // Not part of the data this package exchanges; written as a list of numbers,
        // as JSON would show them.
        let mut seq = ser::Serializer::serialize_seq(self, Some(v.len()))?;
        for b in v {
            ser::SerializeSeq::serialize_element(&mut seq, b)?;
        }
        ser::SerializeSeq::end(seq)
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), Error> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.out.push(0xc0);
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<(), Error> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, v: &T) -> Result<(), Error> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<(), Error> {
        self.out.push(0x81);
        self.text(variant);
        v.serialize(self)
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Compound<'w>, Error> {
        let patch = self.header(len, false)?;
        Ok(Compound { w: self, patch, count: 0 })
    }
    fn serialize_tuple(self, len: usize) -> Result<Compound<'w>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Compound<'w>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'w>, Error> {
        self.out.push(0x81);
        self.text(variant);
        self.serialize_seq(Some(len))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Compound<'w>, Error> {
        let patch = self.header(len, true)?;
        Ok(Compound { w: self, patch, count: 0 })
    }
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<Compound<'w>, Error> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'w>, Error> {
        self.out.push(0x81);
        self.text(variant);
        self.serialize_map(Some(len))
    }
}

/// The serde traits for the parts of a list: `$method` adds one item.
macro_rules! list_parts {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for Compound<'_> {
            type Ok = ();
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
                self.item(v)
            }
            fn end(self) -> Result<(), Error> {
                self.finish()
            }
        }
    )*};
}

list_parts!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

/// The serde traits for the fields of a struct, written as a map keyed by name.
macro_rules! struct_parts {
    ($($trait:ident),*) => {$(
        impl ser::$trait for Compound<'_> {
            type Ok = ();
            type Error = Error;
            fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, v: &T) -> Result<(), Error> {
                self.count = self.count.wrapping_add(1);
                self.w.text(key);
                v.serialize(&mut *self.w)
            }
            fn end(self) -> Result<(), Error> {
                self.finish()
            }
        }
    )*};
}

struct_parts!(SerializeStruct, SerializeStructVariant);

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), Error> {
        self.item(k)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        v.serialize(&mut *self.w)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}
