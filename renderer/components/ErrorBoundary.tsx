// An error boundary: a view (or a chart) that throws while rendering shows what failed
// in its place instead of unmounting the whole app — the rest of the UI, the tabs and
// the Open button keep working. App.tsx puts one around every view, ChartFrame one
// around every chart; `quiet` ones (the off-screen chart warm-up) show nothing.
// React reports the caught error to the console itself.
import { Component, type ReactNode } from 'react';

interface Props {
  /** What is shown here, for the message ("Overview", a chart's title). */
  name: string;
  quiet?: boolean;
  children: ReactNode;
}

export class ErrorBoundary extends Component<Props, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: unknown): { error: Error } {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override render(): ReactNode {
    const { error } = this.state;
    if (!error) return this.props.children;
    if (this.props.quiet) return null;
    return (
      <div className="card error-card" role="alert" data-testid="view-error">
        <h3>{this.props.name} could not be shown</h3>
        <p className="small">{error.message || String(error)}</p>
        <button className="small" onClick={() => this.setState({ error: null })}>
          Try again
        </button>
      </div>
    );
  }
}
