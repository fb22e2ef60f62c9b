// Screen Hamlet (SubjectPageView): the hamlet as a community and its Cộng đồng học tập card.
import SwiftUI

struct HamletScreen: View {
    let v: VM.SubjectPage
    var body: some View { SubjectPageBody(v: v) }
}
