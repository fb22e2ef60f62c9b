// Screen Household (HouseholdView): the household, its Gia đình học tập card, its members (each
// adult with a Công dân học tập card), edit and add.
import SwiftUI

struct HouseholdScreen: View {
    let v: VM.Household
    @EnvironmentObject private var shell: Shell

    var body: some View {
        List {
            Section {
                Text(v.head).font(.title2.bold())
                DetailLine(text: [v.rosterCode, v.address, v.hamlet].compactMap { $0 }.joined(separator: " · "))
                DetailLine(text: v.phone)
                ActionButton(title: L("household.edit")) { shell.send(.open(.editHousehold(v.id))) }
            }
            Section { StatusCard(status: v.giaDinh) }
            Section(L("household.members")) {
                ForEach(v.members) { m in
                    VStack(alignment: .leading, spacing: 8) {
                        RowButton(action: { shell.send(.open(.editMember(m.id))) }) {
                            Text(m.name).font(.headline)
                            DetailLine(text: facts(m))
                        }
                        if let cdht = m.cdht { StatusCard(status: cdht) }
                    }
                }
                ActionButton(title: L("household.add_member")) { shell.send(.open(.newMember(householdId: v.id))) }
            }
        }
        .refreshable { shell.send(.refresh) }
    }

    /// The member's facts as the core labelled them, on one line.
    private func facts(_ m: VM.Member) -> String {
        var parts: [String] = []
        if let year = m.birthYear {
            parts.append(m.age.map { String(format: L("member.born_age"), year, $0) } ?? String(format: L("member.born"), year))
        }
        parts += [m.sexLabel, m.relation, m.schoolingLabel].compactMap { $0 }
        if m.literate == true { parts.append(L("member.literate")) }
        if m.unableToLearn { parts.append(L("member.unable")) }
        return parts.joined(separator: " · ")
    }
}
