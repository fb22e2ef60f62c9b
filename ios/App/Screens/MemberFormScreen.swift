// Screen MemberForm (MemberFormView): a member's facts, with the sex and schooling choices the
// core offers (Vietnamese labels). Every change goes to the core at once (MemberFormChanged);
// it checks and saves on SubmitForm (name, birth year range …).
import SwiftUI

struct MemberFormScreen: View {
    let v: VM.MemberForm
    @EnvironmentObject private var shell: Shell
    @State private var input: VM.MemberInput
    @State private var birthYear: String

    init(v: VM.MemberForm) {
        self.v = v
        _input = State(initialValue: v.input)
        _birthYear = State(initialValue: v.input.birthYear.map(String.init) ?? "")
    }

    var body: some View {
        Form {
            Section {
                TextField(L("form.name"), text: $input.name).textContentType(.name)
                TextField(L("form.birth_year"), text: $birthYear).keyboardType(.numberPad)
                TextField(L("form.relation"), text: optionalText($input.relation))
            }
            Section {
                Picker(L("form.sex"), selection: $input.sex) {
                    Text(L("form.unknown")).tag(String?.none)
                    ForEach(v.sexChoices, id: \.value) { Text($0.label).tag(String?.some($0.value)) }
                }
                Picker(L("form.schooling"), selection: $input.schooling) {
                    Text(L("form.unknown")).tag(String?.none)
                    ForEach(v.schoolingChoices, id: \.value) { Text($0.label).tag(String?.some($0.value)) }
                }
                TriState(title: L("form.literate"), value: $input.literate)
                TriState(title: L("form.cdht"), value: $input.cdht)
                Toggle(L("form.unable_to_learn"), isOn: $input.unableToLearn).frame(minHeight: 44)
            }
            Section {
                ActionButton(title: v.submitLabel, prominent: true) { shell.send(.submitForm) }
            }
            if v.canRemove, let id = v.memberId {
                Section {
                    ActionButton(title: L("member.remove"), role: .destructive) { shell.send(.removeMember(id)) }
                }
            }
        }
        // Digits only reach the core as a number; anything else is "not given" for it to judge.
        .onChange(of: birthYear) { input.birthYear = Int($0.trimmingCharacters(in: .whitespaces)) }
        .onChange(of: input) { shell.send(.memberFormChanged($0)) }
    }
}

/// Có / Không / Chưa rõ for an optional yes-no fact.
private struct TriState: View {
    let title: String
    @Binding var value: Bool?

    var body: some View {
        Picker(title, selection: $value) {
            Text(L("form.unknown")).tag(Bool?.none)
            Text(L("answer.yes")).tag(Bool?.some(true))
            Text(L("answer.no")).tag(Bool?.some(false))
        }
    }
}
