// Screen HouseholdForm (HouseholdFormView): a new household or an edit. Every change goes to the
// core at once (HouseholdFormChanged: the form survives the app being killed); the core checks
// and saves on SubmitForm. Removing asks the core, which confirms with a dialog.
import SwiftUI

struct HouseholdFormScreen: View {
    let v: VM.HouseholdForm
    @EnvironmentObject private var shell: Shell
    @State private var input: VM.HouseholdInput

    init(v: VM.HouseholdForm) {
        self.v = v
        _input = State(initialValue: v.input)
    }

    var body: some View {
        Form {
            Section {
                TextField(L("form.head"), text: $input.head).textContentType(.name)
                TextField(L("form.address"), text: optionalText($input.address))
                TextField(L("form.phone"), text: optionalText($input.phone)).keyboardType(.phonePad)
                TextField(L("form.roster_code"), text: optionalText($input.rosterCode))
                    .textInputAutocapitalization(.characters).autocorrectionDisabled()
            }
            Section {
                ActionButton(title: v.submitLabel, prominent: true) { shell.send(.submitForm) }
            }
            if let id = v.householdId {
                Section {
                    ActionButton(title: L("household.remove"), role: .destructive) { shell.send(.removeHousehold(id)) }
                }
            }
        }
        .onChange(of: input) { shell.send(.householdFormChanged($0)) }
    }
}
