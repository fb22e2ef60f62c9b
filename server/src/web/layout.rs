//! The page shell every staff page shares: Vietnamese, small (one stylesheet of a few KB,
//! cached; no script needed to use any page), readable on a cheap laptop (large text, high
//! contrast), with the navigation the signed-in role may use.

use crate::db::staff::Staff;
use crate::units;
use maud::{html, Markup, PreEscaped, DOCTYPE};

/// The stylesheet, served at `/static/app.css`.
pub const CSS: &str = r#"
*{box-sizing:border-box}
body{margin:0;font:17px/1.45 system-ui,"Segoe UI",Roboto,Arial,sans-serif;color:#1a1a1a;background:#f6f7f9}
header{background:#0b5394;color:#fff;padding:.5rem 1rem;display:flex;flex-wrap:wrap;gap:1rem;align-items:center}
header a{color:#fff;text-decoration:none;font-weight:600;padding:.4rem .2rem}
header a:hover,header a:focus{text-decoration:underline}
header .who{margin-left:auto;font-size:.9rem}
header form{display:inline}
main{padding:1rem;max-width:1300px;margin:0 auto}
h1{font-size:1.5rem;margin:.3rem 0 1rem}
h2{font-size:1.2rem;margin:1.4rem 0 .6rem}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border:1px solid #d5d9de;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#eef1f5;font-weight:600}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.light{display:inline-block;min-width:5.5em;padding:.1rem .4rem;border-radius:.3rem;font-weight:600;font-size:.9rem}
.green{background:#d4edda;color:#135c24}.amber{background:#fff3cd;color:#7a5200}.red{background:#f8d7da;color:#7f1d24}.none{background:#e9ecef;color:#444}
.badge{display:inline-block;padding:0 .35rem;border-radius:.25rem;font-size:.85rem;background:#e9ecef}
.warn{background:#fff3cd;color:#7a5200}.bad{background:#f8d7da;color:#7f1d24}.ok{background:#d4edda;color:#135c24}
form.filters{display:flex;flex-wrap:wrap;gap:.6rem 1rem;align-items:flex-end;background:#fff;padding:.7rem;border:1px solid #d5d9de;margin-bottom:.8rem}
label{display:flex;flex-direction:column;font-size:.9rem;gap:.15rem}
label.check{flex-direction:row;align-items:center;gap:.35rem;font-size:1rem}
input,select,textarea,button{font:inherit}
input[type=text],input[type=password],input[type=search],select,textarea{padding:.4rem;border:1px solid #9aa3ad;border-radius:.25rem;min-height:2.4rem}
button,.button{background:#0b5394;color:#fff;border:0;border-radius:.3rem;padding:.55rem 1rem;min-height:2.6rem;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary,.button.secondary{background:#5a6570}
button.danger{background:#a4262c}
.pager{display:flex;gap:1rem;margin:.8rem 0;align-items:center}
.msg{padding:.6rem .8rem;border-radius:.3rem;margin:.6rem 0}
.msg.error{background:#f8d7da;color:#7f1d24}.msg.info{background:#d1ecf1;color:#0c5460}
.photos{display:flex;flex-wrap:wrap;gap:.5rem}
.photos figure{margin:0;background:#fff;border:1px solid #d5d9de;padding:.3rem;max-width:180px;font-size:.8rem}
.photos img{display:block;width:160px;height:120px;object-fit:cover;background:#ddd}
.cols{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:1rem}
.card{background:#fff;border:1px solid #d5d9de;padding:.8rem}
.muted{color:#5a6570;font-size:.9rem}
.narrow{max-width:32rem}
.nophoto{width:160px;height:120px;background:#eee;display:flex;align-items:center;justify-content:center}
@media print{header,form,.pager{display:none}body{background:#fff}}
"#;

/// The name of a commune code, with the code when it is not in the official list.
pub fn commune_name(code: Option<&str>) -> String {
    match code {
        None => "Toàn tỉnh".to_string(),
        Some(c) => {
            units::commune_by_code(c).map_or_else(|| format!("Xã mã {c}"), |x| x.name.to_string())
        }
    }
}

/// What the signed-in person's place is called.
pub fn place_label(staff: &Staff) -> String {
    match &staff.commune_code {
        None => units::province(&staff.province_code).map_or_else(
            || format!("Tỉnh mã {}", staff.province_code),
            |(_, n)| n.to_string(),
        ),
        Some(c) => commune_name(Some(c)),
    }
}

/// A whole page.
pub fn page(title: &str, staff: Option<(&Staff, &str)>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="vi" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — Sổ Học Tập" }
                link rel="stylesheet" href="/static/app.css";
            }
            body {
                header {
                    strong { "Sổ Học Tập" }
                    @if let Some((s, csrf)) = staff {
                        nav {
                            a href="/dashboard" { "Tổng quan" } " "
                            a href="/queue" { "Hàng chờ duyệt" } " "
                            a href="/reports" { "Báo cáo" } " "
                            @if s.role.may_admin() { a href="/users" { "Tài khoản" } " " }
                            a href="/account/password" { "Đổi mật khẩu" }
                        }
                        span.who {
                            (s.display_name) " · " (s.role.label_vi()) " · " (place_label(s)) " "
                            form method="post" action="/logout" {
                                input type="hidden" name="csrf" value=(csrf);
                                button.secondary type="submit" { "Đăng xuất" }
                            }
                        }
                    }
                }
                main { (body) }
            }
        }
    }
}

/// A number with Vietnamese thousands separators ("1.234.567"): the domain's.
pub use hoctap_domain::labels::int_vi as num;

/// A percentage with a decimal comma ("62,5 %"), or a dash.
pub fn pct(p: Option<f64>) -> String {
    match p {
        Some(p) => format!(
            "{} %",
            hoctap_domain::targets::percent_text(p).replace('.', ",")
        ),
        None => "—".to_string(),
    }
}

/// Points from hundredths ("87,5").
pub fn points(hundredths: i64) -> String {
    let s = format!("{:.2}", hundredths as f64 / 100.0);
    let s = s.trim_end_matches('0').trim_end_matches('.').to_string();
    s.replace('.', ",")
}

/// A timestamp as a person reads it (Vietnam time, UTC+7): "05/10/2026 14:03".
pub fn when(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| {
            (t.with_timezone(&chrono::Utc) + chrono::Duration::hours(7))
                .format("%d/%m/%Y %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| rfc3339.to_string())
}

/// A photo's capture time as the device reported it (RFC 3339, or naive local time from EXIF)
/// the way a person reads it: "22/10/2008 16:28", in the time the camera kept.
pub fn taken(t: &str) -> String {
    let naive = chrono::DateTime::parse_from_rfc3339(t)
        .map(|d| d.naive_local())
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S"));
    naive.map_or_else(
        |_| t.to_string(),
        |d| d.format("%d/%m/%Y %H:%M").to_string(),
    )
}

/// A message box.
pub fn message(kind: &str, text: &str) -> Markup {
    html! { div class=(format!("msg {kind}")) role="status" { (text) } }
}

/// Raw markup known to be safe (constants only).
pub fn raw(s: &'static str) -> PreEscaped<&'static str> {
    PreEscaped(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_the_vietnamese_way() {
        assert_eq!(num(1_234_567), "1.234.567");
        assert_eq!(num(999), "999");
        assert_eq!(pct(Some(62.5)), "62,5 %");
        assert_eq!(pct(Some(70.0)), "70 %");
        assert_eq!(points(8750), "87,5");
        assert_eq!(points(9000), "90");
        assert_eq!(when("2026-10-05T07:03:00.000Z"), "05/10/2026 14:03");
        assert_eq!(taken("2008-10-22T16:28:39"), "22/10/2008 16:28");
        assert_eq!(taken("2015-04-10T20:12:23+07:00"), "10/04/2015 20:12");
        assert_eq!(taken("garbage"), "garbage");
    }
}
