/**
 * The conformance kit behind {@code sinkctl conformance}: the checks of the
 * {@code sinkgate.v1.Sink} contract ({@link dev.sinkgate.cli.conformance.ConformanceKit#standardChecks()}),
 * the runner that gives each its own thread and timeout
 * ({@link dev.sinkgate.cli.conformance.ConformanceKit}), and the two reports
 * ({@link dev.sinkgate.cli.conformance.ResultTable}, {@link dev.sinkgate.cli.conformance.JUnitXml}).
 *
 * <p>It speaks only the contract and the standard health service, through the generated stubs,
 * so it checks any implementation in any language; it never depends on the gateway.
 * docs/conformance.md says what each check sends, expects and why.
 */
package dev.sinkgate.cli.conformance;
