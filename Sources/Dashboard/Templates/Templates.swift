/// Every page's Mustache template, by name. Pages inherit `layout` and fill its
/// `title` and `main` blocks. Only `{{ }}` (escaped) appears in them, but for the
/// user guide's HTML (`guide`), which comes from the binary: nothing a visitor
/// typed can reach a page as markup.
enum Templates {
    static let all: [String: String] = [
        "layout": layout,
        "message": message,
        "home": home,
        "requestReceived": requestReceived,
        "signin": signin,
        "invite": invite,
        "setup": setup,
        "dashboard": dashboard,
        "keyCreated": keyCreated,
        "keyPage": keyPage,
        "usage": usage,
        "usageChart": usageChart,
        "adminRequests": adminRequests,
        "inviteIssued": inviteIssued,
        "adminMembers": adminMembers,
        "adminInvites": adminInvites,
        "adminAudit": adminAudit,
        "batches": batches,
        "guide": guide,
        "workbench": workbench,
        "feedback": feedback,
        "adminFeedback": adminFeedback,
    ]
}
