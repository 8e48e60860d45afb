using System.Text;
using System.Text.Json;
using static CementQuant.Review.Pages.Html;

namespace CementQuant.Review.Pages;

/// <summary>
/// One row on one screen: its flags with the reviewer's own decisions, the run's pictures of it, its metrics and QC notes,
/// and the keys that decide (confirm, reject with a reason, add a missed flag, metrics unusable, next and previous).
/// </summary>
internal static class ReviewPage
{
    public static string Render(RowReview v, int index, IReadOnlyList<RowReview> list, Worklist filter, string reviewer, string nonce, string token)
    {
        var row = v.Row;
        var query = filter.Query();
        string Href(RowReview r) => $"/row?key={U(r.Row.Key)}{(query.Length > 0 ? "&" + query : "")}";
        var listed = row.Flags.Concat(v.DecidedFlags.Where(f => !row.Flags.Contains(f, StringComparer.Ordinal))).ToList();
        var b = new StringBuilder();
        b.Append(Header(reviewer, $"{row.Kind} · {row.SeriesDescription}"));
        b.Append("<main>");
        b.Append($"<h1 id=\"title\">{E(row.Vertebra)} <small class=\"muted\">{E(row.Kind)} · study {E(row.StudyKey)} · series {E(row.SeriesKey)}</small></h1>");
        b.Append($"<p id=\"position\">row {index + 1} of {list.Count} · your state: {State(v.State)}{(v.Unusable ? " · <b id=\"unusable\">metrics unusable</b>" : "")}</p>");
        b.Append("<div class=\"grid\"><section><h2>Flags</h2><ul class=\"flags\" id=\"flags\">");
        if (listed.Count == 0) b.Append("<li class=\"muted\">no flag from CementQuant</li>");
        foreach (var f in listed)
        {
            var d = v.Latest(f);
            var origin = row.Flags.Contains(f, StringComparer.Ordinal) ? "CementQuant" : "added by you";
            b.Append($"<li data-flag=\"{E(f)}\"><span class=\"flag\">{E(f)}</span> <span class=\"muted\">{origin}</span> · ")
                .Append(d is null ? "<span class=\"decision\">undecided</span>" : $"<span class=\"decision\">{E(d.Decision)}</span>{(d.Reason.Length > 0 ? $" ({E(d.Reason)})" : "")}{(d.Note.Length > 0 ? $" <q class=\"note\">{E(d.Note)}</q>" : "")}")
                .Append("</li>");
        }
        b.Append("</ul>");
        if (v.Latest("") is { } whole)
            b.Append($"<p id=\"row-decision\">row: {E(whole.Decision)}{(whole.Reason.Length > 0 ? $" ({E(whole.Reason)})" : "")}{(whole.Note.Length > 0 ? $" <q class=\"note\">{E(whole.Note)}</q>" : "")}</p>");
        b.Append("""
            <p class="keys"><kbd>↓</kbd>/<kbd>↑</kbd> choose a flag · <kbd>c</kbd> confirm it · <kbd>r</kbd> reject it ·
            <kbd>Shift</kbd>+<kbd>C</kbd> confirm every undecided flag (and that nothing is missed) · <kbd>a</kbd> add a missed flag ·
            <kbd>u</kbd> metrics unusable · <kbd>j</kbd>/<kbd>→</kbd> next · <kbd>k</kbd>/<kbd>←</kbd> previous · <kbd>w</kbd> worklist.
            In a dialog: digits choose, <kbd>Enter</kbd> saves, <kbd>Esc</kbd> cancels.</p>
            """);
        b.Append("<h2>QC</h2><p id=\"qc\">").Append(row.Qc.Count == 0 ? "none" : string.Join(", ", row.Qc.Select(E))).Append("</p>");
        b.Append("<h2>Metrics</h2><table id=\"metrics\">");
        foreach (var (name, value) in row.Cells.Where(c => c.Value.Length > 0 && c.Key is not ("flags" or "qc" or "schema_version")))
            b.Append($"<tr><th>{E(name)}</th><td>{E(value)}</td></tr>");
        b.Append("</table></section><section><h2>Pictures</h2><div class=\"pics\">");
        if (row.Pictures.Count == 0) b.Append("<p class=\"muted\">the run has no pictures of this row (analyze --no-report?)</p>");
        foreach (var p in row.Pictures)
            b.Append($"<figure><img src=\"/files/{E(p)}\" alt=\"{E(Path.GetFileNameWithoutExtension(p))}\"><figcaption>{E(Path.GetFileName(p))}</figcaption></figure>");
        b.Append("</div></section></div>");
        b.Append("""
            <dialog id="dlg"><form id="dlgform" method="dialog"><h3 id="dlgtitle"></h3>
            <p id="flagline"><label>flag <select id="dflag"></select></label></p>
            <p><label>reason <select id="dreason"></select></label></p>
            <p><label>note <input id="dnote" maxlength="2000" size="40"></label></p>
            <p><button type="submit">save (Enter)</button> <button type="button" id="dcancel">cancel (Esc)</button></p></form></dialog>
            """);
        b.Append("</main>");
        var data = new
        {
            row = row.Key,
            listed,
            undecided = row.Flags.Where(f => v.Latest(f) is null).ToList(),
            rowConfirmed = v.Latest("")?.Decision == Decisions.Confirm,
            unusable = v.Unusable,
            addable = Decisions.KnownFlags.Where(f => !listed.Contains(f, StringComparer.Ordinal)).ToList(),
            reasons = new Dictionary<string, IReadOnlyList<string>>
            {
                [Decisions.Reject] = Decisions.RejectReasons, [Decisions.Add] = Decisions.AddReasons, [Decisions.Unusable] = Decisions.UnusableReasons,
            },
            prev = index > 0 ? Href(list[index - 1]) : null,
            next = index + 1 < list.Count ? Href(list[index + 1]) : null,
            worklist = "/" + (query.Length > 0 ? "?" + query : ""),
        };
        // System.Text.Json escapes <, >, & and quotes in strings, so the data cannot end the script element.
        return Page($"{row.Vertebra} review", nonce, token, b.ToString(), "const D=" + JsonSerializer.Serialize(data) + ";" + Script);
    }

    private const string Script = """
        const items=[...document.querySelectorAll('#flags li[data-flag]')];let sel=0;
        function show(i){if(!items.length)return;items[sel].classList.remove('sel');sel=Math.max(0,Math.min(items.length-1,i));items[sel].classList.add('sel')}
        show(0);
        const dlg=document.getElementById('dlg'),dflag=document.getElementById('dflag'),dreason=document.getElementById('dreason'),dnote=document.getElementById('dnote');
        let pending=null;
        function fill(sel,values){sel.innerHTML='';values.forEach((v,i)=>{const o=document.createElement('option');o.value=v;o.textContent=(i+1)+'. '+v;sel.appendChild(o)})}
        function ask(decision,flag){
          pending={decision,flag};
          document.getElementById('dlgtitle').textContent=decision==='add'?'Add a missed flag':decision==='reject'?('Reject '+flag):'Metrics unusable';
          document.getElementById('flagline').hidden=decision!=='add';
          if(decision==='add')fill(dflag,D.addable);
          fill(dreason,D.reasons[decision]);dnote.value='';dlg.showModal();(decision==='add'?dflag:dreason).focus()}
        dlg.addEventListener('keydown',e=>{
          if(e.target.tagName==='SELECT'&&/^[1-9]$/.test(e.key)){const s=e.target,i=+e.key-1;if(i<s.options.length)s.selectedIndex=i;
            e.preventDefault();(s===dflag?dreason:dnote).focus()}});
        document.getElementById('dcancel').addEventListener('click',()=>dlg.close());
        document.getElementById('dlgform').addEventListener('submit',async e=>{e.preventDefault();
          const flag=pending.decision==='add'?dflag.value:pending.flag;
          if(await cqPost('/api/decision',{row:D.row,flag,decision:pending.decision,reason:dreason.value,note:dnote.value})){dlg.close();location.reload()}});
        async function decide(flag,decision){if(await cqPost('/api/decision',{row:D.row,flag,decision,reason:'',note:''}))location.reload()}
        async function confirmAll(){
          for(const f of D.undecided){if(!await cqPost('/api/decision',{row:D.row,flag:f,decision:'confirm',reason:'',note:''}))return}
          if(!D.unusable&&!D.rowConfirmed&&!await cqPost('/api/decision',{row:D.row,flag:'',decision:'confirm',reason:'',note:''}))return;
          location.reload()}
        document.addEventListener('keydown',e=>{if(dlg.open||cqTyping(e)||e.ctrlKey||e.metaKey||e.altKey)return;
          const flag=items.length?items[sel].dataset.flag:null;
          switch(e.key){
            case 'j':case 'ArrowRight':if(D.next)location.href=D.next;break;
            case 'k':case 'ArrowLeft':if(D.prev)location.href=D.prev;break;
            case 'ArrowDown':show(sel+1);break;
            case 'ArrowUp':show(sel-1);break;
            case 'c':if(flag)decide(flag,'confirm');break;
            case 'C':case 'Enter':confirmAll();break;
            case 'r':if(flag)ask('reject',flag);break;
            case 'a':if(D.addable.length)ask('add','');break;
            case 'u':ask('unusable','');break;
            case 'w':location.href=D.worklist;break;
            case 's':location.href='/summary';break;
            default:return}
          e.preventDefault()});
        """;
}
