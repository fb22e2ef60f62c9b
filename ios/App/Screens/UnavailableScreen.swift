// Screen Unavailable (ScreenView::Unavailable, UnavailableView): the screen's data could not be
// read (it was removed, or the database failed). Not a `Screen` of the stack — any screen can
// end up so; back leaves it.
import SwiftUI

struct UnavailableScreen: View {
    let v: VM.Unavailable
    @EnvironmentObject private var shell: Shell

    var body: some View {
        VStack(spacing: 16) {
            Image(systemName: "questionmark.folder").font(.largeTitle).foregroundStyle(.secondary)
            Text(v.message).multilineTextAlignment(.center)
            ActionButton(title: L("common.back")) { shell.send(.back) }
        }
        .padding()
    }
}
