// Screen Clan (SubjectPageView): a clan and its Dòng họ học tập card.
import SwiftUI

struct ClanScreen: View {
    let v: VM.SubjectPage
    var body: some View { SubjectPageBody(v: v) }
}
