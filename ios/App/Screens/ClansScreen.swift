// Screen Clans (ClanListView): the clans of the hamlets on this device.
import SwiftUI

struct ClansScreen: View {
    let v: VM.ClanList
    @EnvironmentObject private var shell: Shell

    var body: some View {
        List {
            EmptyNote(text: v.emptyLabel)
            ForEach(v.clans) { c in
                RowButton(action: { shell.send(.open(.clan(c.id))) }) {
                    Text(c.name).font(.headline)
                    DetailLine(text: String(format: L("home.households"), c.households) + " · " + c.hamlets)
                }
            }
        }
        .refreshable { shell.send(.refresh) }
    }
}
