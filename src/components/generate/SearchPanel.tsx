// Similar-sentence search: paste or upload a list, embed it in the worker with a progress bar,
// then query it by cosine. The page keeps only the index id the worker returns.
import { useState } from 'react';
import { useJob } from '../../app/useJob';
import { useT } from '../../i18n';
import { useApp } from '../../store/store';
import { ProgressBar } from '../ProgressBar';
import { ExportButtons, jobState, Notices, NumberField, Speed } from './fields';

const EXAMPLE = ['今天天气怎么样', '明天会下雨吗', '附近有什么好吃的', '怎么去火车站', '周末去哪里玩', '这本书好看吗', '今天的天气如何', '几点开门'].join('\n');

export function SearchPanel() {
  const t = useT();
  const modelReady = useApp((s) => s.modelStatus === 'ready');
  const [list, setList] = useState(EXAMPLE);
  const [indexedList, setIndexedList] = useState<string | null>(null);
  const [query, setQuery] = useState('天气好吗');
  const [k, setK] = useState(5);
  const build = useJob('searchIndex');
  const search = useJob('searchQuery');
  const index = build.result;
  const stale = index !== null && indexedList !== list;

  const embed = () => {
    setIndexedList(list);
    void build.start({ sentences: list.split(/\r?\n/) });
  };
  const upload = async (file: File | undefined) => {
    if (file) setList(await file.text());
  };
  const hits = search.result?.hits ?? [];

  return (
    <section className="stack" data-testid="search-panel">
      <h3>{t('searchTitle')}</h3>
      <p className="hint">{t('searchHelp')}</p>
      <textarea rows={6} value={list} aria-label={t('sentences')} data-testid="search-list" onChange={(e) => setList(e.target.value)} />
      <div className="row">
        <label className="button">
          {t('uploadList')}
          <input type="file" accept=".txt,text/plain" hidden data-testid="search-file" onChange={(e) => void upload(e.target.files?.[0])} />
        </label>
        <button type="button" disabled={!modelReady || build.running} onClick={embed} data-testid="search-build">{t('buildIndex')}</button>
        {build.running && <button type="button" onClick={build.cancel} data-testid="search-build-stop">{t('stop')}</button>}
        <Speed rate={index?.sentencesPerSecond} unit={t('sentencesPerSecond')} backend={index?.backend} testId="search-speed" />
      </div>
      <ProgressBar progress={build.running ? build.progress : null} testId="search-progress" />
      <div data-testid="search-status" data-state={jobState(build)}>
        {build.cancelled && t('cancelled')}
        {build.error && <span className="error" role="alert">{build.error}</span>}
        {index && `${index.count} ${t('indexReady')} (${index.dim}-d, ${index.pooling})`}
        {index?.truncated && <span data-testid="search-truncated"> · {t('truncatedNotice')}</span>}
        {stale && <p className="hint">{t('indexStale')}</p>}
      </div>
      {index && <Notices notices={index.notices} testId="search-notices" />}
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          if (index) void search.start({ indexId: index.indexId, query, k });
        }}
      >
        <input type="text" value={query} aria-label={t('query')} data-testid="search-query" onChange={(e) => setQuery(e.target.value)} style={{ flex: 1, width: 'auto' }} />
        <NumberField label={t('resultsK')} value={k} min={1} max={100} onChange={setK} testId="search-k" />
        <button type="submit" disabled={!index || search.running || build.running} data-testid="search-run">{t('search')}</button>
      </form>
      {search.error && <p className="error" role="alert" data-testid="search-error">{search.error}</p>}
      {search.result && (
        <div data-testid="search-results" data-state={jobState(search)}>
          <Notices notices={search.result.notices} testId="search-query-notices" />
          <table className="candidates">
            <tbody>
              {hits.map((h) => (
                <tr key={h.index} data-testid="search-hit" data-score={h.score}>
                  <td className="num hint">#{h.index + 1}</td>
                  <td className="token">{h.text}</td>
                  <td className="bar-cell"><span className="bar" style={{ width: `${Math.max(0, Math.round(h.score * 100))}%` }} /></td>
                  <td className="num score" title={t('cosine')}>{h.score.toFixed(4)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <ExportButtons name="search" json={search.result} text={hits.map((h) => `${h.text}\t${h.score.toFixed(4)}`).join('\n')} testPrefix="search" />
        </div>
      )}
    </section>
  );
}
