"""The workspace: the plain, Qt-free state the user works on, and the rules that change it.

`workspace.Workspace` holds the target, the data (`data.Dataset`), the sampler's status, the fit and
the model-selection candidates (`results`), every job's settings (`settings`) and the view
(`view.ViewState`); `derived` computes what views draw from it (densities, comparisons, diagnostics),
`importing` turns a parsed file into data, `session` maps it onto a session file. Nothing here
imports Qt: the window's `gui.state.AppState` adapts it.
"""
