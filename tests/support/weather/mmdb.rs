//! Writes a small MaxMind DB (the format GeoLite2/GeoIP2 use:
//! <https://maxmind.github.io/MaxMind-DB/>) so the GeoIP tests need no download: an IPv4
//! binary search tree with 32-bit records, the 16-byte separator, a data section, and the
//! metadata map after its marker.

/// A value of the MaxMind DB data section.
#[derive(Debug, Clone)]
pub enum Val {
    Str(String),
    F64(f64),
    U16(u16),
    U32(u32),
    U64(u64),
    Map(Vec<(&'static str, Val)>),
    Arr(Vec<Val>),
}

pub fn s(v: &str) -> Val {
    Val::Str(v.to_string())
}

/// A GeoIP2-City record: country, English city name, position and its accuracy in km.
pub fn city(country: &str, name: Option<&str>, lat: f64, lon: f64, accuracy_km: u16) -> Val {
    let mut fields = vec![
        ("country", Val::Map(vec![("iso_code", s(country))])),
        (
            "location",
            Val::Map(vec![
                ("latitude", Val::F64(lat)),
                ("longitude", Val::F64(lon)),
                ("accuracy_radius", Val::U16(accuracy_km)),
            ]),
        ),
    ];
    if let Some(name) = name {
        fields.push((
            "city",
            Val::Map(vec![("names", Val::Map(vec![("en", s(name))]))]),
        ));
    }
    Val::Map(fields)
}

/// The control byte(s) of a field: type in the top 3 bits (extended types in a second byte),
/// size in the low 5 bits with 1-3 extra bytes for larger sizes.
fn control(out: &mut Vec<u8>, type_num: u8, size: usize) {
    let (low, extra): (u8, Vec<u8>) = match size {
        0..=28 => (size as u8, vec![]),
        29..=284 => (29, vec![(size - 29) as u8]),
        285..=65_820 => (30, ((size - 285) as u16).to_be_bytes().to_vec()),
        _ => (31, ((size - 65_821) as u32).to_be_bytes()[1..].to_vec()),
    };
    if type_num <= 7 {
        out.push((type_num << 5) | low);
    } else {
        out.push(low);
        out.push(type_num - 7);
    }
    out.extend(extra);
}

fn encode(v: &Val, out: &mut Vec<u8>) {
    match v {
        Val::Str(s) => {
            control(out, 2, s.len());
            out.extend(s.as_bytes());
        }
        Val::F64(x) => {
            control(out, 3, 8);
            out.extend(x.to_be_bytes());
        }
        Val::U16(x) => {
            control(out, 5, 2);
            out.extend(x.to_be_bytes());
        }
        Val::U32(x) => {
            control(out, 6, 4);
            out.extend(x.to_be_bytes());
        }
        Val::U64(x) => {
            control(out, 9, 8);
            out.extend(x.to_be_bytes());
        }
        Val::Map(pairs) => {
            control(out, 7, pairs.len());
            for (k, v) in pairs {
                encode(&s(k), out);
                encode(v, out);
            }
        }
        Val::Arr(items) => {
            control(out, 11, items.len());
            for item in items {
                encode(item, out);
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Record {
    Empty,
    Node(usize),
    /// Offset into the data section.
    Data(usize),
}

/// A database of IPv4 networks (`"203.0.113.0/24"`), each with its record.
pub fn build(networks: &[(&str, Val)]) -> Vec<u8> {
    let mut nodes: Vec<[Record; 2]> = vec![[Record::Empty; 2]];
    let mut data = Vec::new();
    for (net, val) in networks {
        let (addr, len) = net.split_once('/').unwrap();
        let addr = u32::from(addr.parse::<std::net::Ipv4Addr>().unwrap());
        let len: usize = len.parse().unwrap();
        let offset = data.len();
        encode(val, &mut data);
        let mut node = 0;
        for depth in 0..len {
            let bit = ((addr >> (31 - depth)) & 1) as usize;
            if depth == len - 1 {
                nodes[node][bit] = Record::Data(offset);
                break;
            }
            node = match nodes[node][bit] {
                Record::Node(n) => n,
                Record::Empty => {
                    nodes.push([Record::Empty; 2]);
                    let n = nodes.len() - 1;
                    nodes[node][bit] = Record::Node(n);
                    n
                }
                Record::Data(_) => panic!("overlapping networks in a test database"),
            };
        }
    }
    let count = nodes.len();
    let mut out = Vec::new();
    for node in &nodes {
        for record in node {
            let value = match *record {
                Record::Empty => count,
                Record::Node(n) => n,
                Record::Data(off) => count + 16 + off,
            };
            out.extend((value as u32).to_be_bytes());
        }
    }
    out.extend([0u8; 16]);
    out.extend(&data);
    out.extend(b"\xAB\xCD\xEFMaxMind.com");
    let metadata = Val::Map(vec![
        ("node_count", Val::U32(count as u32)),
        ("record_size", Val::U16(32)),
        ("ip_version", Val::U16(4)),
        ("database_type", s("newsdesk-Test-City")),
        ("languages", Val::Arr(vec![s("en")])),
        ("binary_format_major_version", Val::U16(2)),
        ("binary_format_minor_version", Val::U16(0)),
        ("build_epoch", Val::U64(1_795_000_000)),
        (
            "description",
            Val::Map(vec![("en", s("newsdesk test database"))]),
        ),
    ]);
    encode(&metadata, &mut out);
    out
}
