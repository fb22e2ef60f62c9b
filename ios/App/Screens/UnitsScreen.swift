// Screen Units (UnitListView): schools, offices and enterprises of the hamlets.
import SwiftUI

struct UnitsScreen: View {
    let v: VM.UnitList
    @EnvironmentObject private var shell: Shell

    var body: some View {
        List {
            EmptyNote(text: v.emptyLabel)
            ForEach(v.units) { u in
                RowButton(action: { shell.send(.open(.unit(u.id))) }) {
                    Text(u.name).font(.headline)
                    DetailLine(text: [u.kindLabel, u.hamlet].compactMap { $0 }.joined(separator: " · "))
                }
            }
        }
        .refreshable { shell.send(.refresh) }
    }
}
