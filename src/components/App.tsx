import { useEffect, type KeyboardEvent } from 'react';
import { startApp } from '../app/actions';
import { useT, type MessageKey } from '../i18n';
import { setState, useApp, type TabId } from '../store/store';
import { DiagnosticsTab } from './DiagnosticsTab';
import { AttributionsTab } from './explain/AttributionsTab';
import { SegmentationTab } from './explain/SegmentationTab';
import { FillMaskTab } from './FillMaskTab';
import { GibbsTab } from './generate/GibbsTab';
import { SimilarTab } from './generate/SimilarTab';
import { SpansTab } from './SpansTab';
import { Header } from './Header';
import { ModelPanel } from './ModelPanel';

const TABS: { id: TabId; label: MessageKey }[] = [
  { id: 'fill-mask', label: 'tabFillMask' },
  { id: 'similar', label: 'tabSimilar' },
  { id: 'gibbs', label: 'tabGibbs' },
  { id: 'attributions', label: 'tabAttributions' },
  { id: 'segmentation', label: 'tabSegmentation' },
  { id: 'spans', label: 'tabSpans' },
  { id: 'diagnostics', label: 'tabDiagnostics' },
];

function TabPanel({ id }: { id: TabId }) {
  if (id === 'fill-mask') return <FillMaskTab />;
  if (id === 'similar') return <SimilarTab />;
  if (id === 'gibbs') return <GibbsTab />;
  if (id === 'attributions') return <AttributionsTab />;
  if (id === 'segmentation') return <SegmentationTab />;
  if (id === 'spans') return <SpansTab />;
  return <DiagnosticsTab />;
}

export function App() {
  const t = useT();
  const tab = useApp((s) => s.tab);
  useEffect(() => startApp(), []);
  // Arrow keys move between tabs, as in the WAI-ARIA tabs pattern.
  const onKey = (e: KeyboardEvent) => {
    const i = TABS.findIndex((x) => x.id === tab);
    const next = e.key === 'ArrowRight' ? (i + 1) % TABS.length : e.key === 'ArrowLeft' ? (i - 1 + TABS.length) % TABS.length : -1;
    if (next >= 0) {
      setState({ tab: TABS[next]!.id });
      document.getElementById(`tab-${TABS[next]!.id}`)?.focus();
    }
  };
  return (
    <div className="app">
      <Header />
      <main className="layout">
        <ModelPanel />
        <section className="panel tasks">
          <div role="tablist" aria-label="Tasks" className="tabs" onKeyDown={onKey}>
            {TABS.map((x) => (
              <button
                key={x.id}
                id={`tab-${x.id}`}
                role="tab"
                type="button"
                aria-selected={tab === x.id}
                aria-controls={`panel-${x.id}`}
                tabIndex={tab === x.id ? 0 : -1}
                data-testid={`tab-${x.id}`}
                onClick={() => setState({ tab: x.id })}
              >
                {t(x.label)}
              </button>
            ))}
          </div>
          <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
            <TabPanel id={tab} />
          </div>
        </section>
      </main>
    </div>
  );
}
