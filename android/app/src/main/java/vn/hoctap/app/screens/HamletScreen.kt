// The hamlet as a community (Cộng đồng học tập): a SubjectPageView — its name, a few lines about it and where it stands for its model.
package vn.hoctap.app.screens

import android.view.ViewGroup
import org.json.JSONObject

object HamletScreen {
    fun render(ui: Ui, parent: ViewGroup, v: JSONObject) = ui.subjectPage(parent, v)
}
