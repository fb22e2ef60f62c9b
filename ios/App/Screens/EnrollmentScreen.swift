// Screen Enrollment (EnrollmentView): scan the QR code the commune printed, or type the server
// and the one-time code. The core checks the fields and enrolls (an Enroll task).
import SwiftUI

struct EnrollmentScreen: View {
    let v: VM.Enrollment
    @EnvironmentObject private var shell: Shell
    @State private var server: String
    @State private var code: String

    init(v: VM.Enrollment) {
        self.v = v
        _server = State(initialValue: v.server)
        _code = State(initialValue: v.code)
    }

    var body: some View {
        Form {
            if v.reenroll {
                Section { Label(L("enroll.reenroll"), systemImage: "arrow.triangle.2.circlepath") }
            }
            Section {
                ActionButton(title: L("enroll.scan"), prominent: true) { shell.send(.scanQr) }
                    .disabled(v.busy || v.decodingQr)
                if v.decodingQr { ProgressView(L("enroll.decoding")) }
            }
            Section(L("enroll.or_type")) {
                TextField(L("enroll.server"), text: $server)
                    .keyboardType(.URL).textInputAutocapitalization(.never).autocorrectionDisabled()
                TextField(L("enroll.code"), text: $code)
                    .textInputAutocapitalization(.characters).autocorrectionDisabled()
                ActionButton(title: L("enroll.submit")) { shell.send(.enrollSubmit) }
                    .disabled(v.busy)
                if v.busy { ProgressView(L("enroll.busy")) }
            }
            if let error = v.error {
                Section { Text(error).foregroundStyle(.red) }
            }
            Section { Text(v.help).font(.footnote).foregroundStyle(.secondary) }
        }
        .onChange(of: server) { shell.send(.enrollServerChanged($0)) }
        .onChange(of: code) { shell.send(.enrollCodeChanged($0)) }
        // A scanned code fills the fields in the core: show it.
        .onChange(of: v.server) { if $0 != server { server = $0 } }
        .onChange(of: v.code) { if $0 != code { code = $0 } }
    }
}
