//! Terminal QR codes drawn with Unicode half blocks (two modules per character cell).

use qrcode::render::unicode::Dense1x2;
use qrcode::QrCode;

/// The QR code of `data` as text, dark modules drawn dark on a light quiet zone; `None` when
/// the data is too long for a QR code.
pub fn render(data: &str) -> Option<String> {
    let code = QrCode::new(data.as_bytes()).ok()?;
    Some(
        code.render::<Dense1x2>()
            .dark_color(Dense1x2::Light)
            .light_color(Dense1x2::Dark)
            .quiet_zone(true)
            .build(),
    )
}
