// Screen Settings (SettingsView): device name, photos on Wi-Fi only, the year assessed, the
// enrollment, storage, version; "Đăng ký lại".
import SwiftUI

struct SettingsScreen: View {
    let v: VM.Settings
    @EnvironmentObject private var shell: Shell
    @State private var wifiOnly: Bool
    @State private var year: Int

    init(v: VM.Settings) {
        self.v = v
        _wifiOnly = State(initialValue: v.photosWifiOnly)
        _year = State(initialValue: v.year)
    }

    var body: some View {
        Form {
            Section {
                CommitField(title: L("settings.device_name"), initial: v.deviceName) { shell.send(.setDeviceName($0)) }
                    .frame(minHeight: 44)
                Toggle(L("settings.wifi_only"), isOn: $wifiOnly).frame(minHeight: 44)
                Stepper(value: $year) {
                    Text(String(format: L("settings.year"), year)).monospacedDigit()
                }
                .frame(minHeight: 44)
            }
            Section(L("settings.enrollment")) {
                LabeledContent(L("settings.server"), value: v.server ?? "—")
                LabeledContent(L("settings.device_id"), value: v.deviceId ?? "—")
                LabeledContent(L("settings.enrolled_at"), value: v.enrolledAt ?? "—")
                ActionButton(title: L("settings.reenroll")) { shell.send(.reenroll) }
            }
            Section {
                LabeledContent(L("settings.storage"), value: v.storageLabel)
                LabeledContent(L("settings.version"), value: v.appVersion)
            }
        }
        .onChange(of: wifiOnly) { shell.send(.setPhotosWifiOnly($0)) }
        .onChange(of: year) { shell.send(.setYear($0)) }
        .onChange(of: v.year) { if $0 != year { year = $0 } }
        .onChange(of: v.photosWifiOnly) { if $0 != wifiOnly { wifiOnly = $0 } }
    }
}
