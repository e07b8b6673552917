use leptos::prelude::*;

/// Loads the client and hydrates the page's islands, once the page is idle (or after a
/// second at the latest: a browser may never call a background frame idle): reading
/// never waits on it. A page that rendered no island loads no client at all. Nothing
/// is preloaded, so the client's download does not compete with the stylesheet and the
/// page's content on a slow connection. Islands hydrate in
/// document order, each waiting for its code (a lazy island's chunk) before the next;
/// the parts an island put off ([`super::Later`]) then hydrate one per task, the
/// browser free to paint and take input in between. Each island is timed as a
/// `hydrate <Island>` performance measure (in the browser's profiler and Lighthouse's
/// user timings); then `<html data-hydrated>` marks the page interactive, for tools and
/// tests. (In place of Leptos's `HydrationScripts`, which preloads the client in the
/// `<head>`.)
#[component]
pub fn IslandsLoader(options: LeptosOptions) -> impl IntoView {
    let pkg = format!("/{}/{}", options.site_pkg_dir, options.output_name);
    // cargo-leptos names the module after the project; plain wasm-bindgen adds `_bg`.
    let wasm = if option_env!("LEPTOS_OUTPUT_NAME").is_some() {
        format!("{pkg}.wasm")
    } else {
        format!("{pkg}_bg.wasm")
    };
    let script = format!(
        "const idle = (go) => window.requestIdleCallback ? requestIdleCallback(go, {{ timeout: 1000 }}) : setTimeout(go);\
        idle(async () => {{\
            const islands = document.querySelectorAll('leptos-island');\
            if (!islands.length) {{ document.documentElement.dataset.hydrated = 'true'; return; }}\
            const pause = () => window.scheduler?.yield?.() ?? new Promise(go => setTimeout(go));\
            const client = await import({js:?});\
            await client.default({{ module_or_path: {wasm:?} }});\
            client.hydrate();\
            for (const island of islands) {{\
                const name = island.dataset.component;\
                const hydrate = client[name];\
                if (!hydrate) {{ console.error('no code for the island', name); continue; }}\
                const start = performance.now();\
                await hydrate(island);\
                do await pause(); while (client.hydrate_later());\
                performance.measure('hydrate ' + name.replace(/_[0-9]+$/, ''), {{ start }});\
            }}\
            document.documentElement.dataset.hydrated = 'true';\
        }});",
        js = format!("{pkg}.js"),
    );
    view! { <script type="module" nonce=leptos::nonce::use_nonce()>{script}</script> }
}
