package dev.sinkgate.cli;

import picocli.CommandLine.IVersionProvider;

/** {@code sinkctl --version}: the version in the jar's manifest ("dev" when run from classes). */
final class VersionProvider implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String v = Sinkctl.class.getPackage().getImplementationVersion();
    return new String[] {"sinkctl " + (v == null ? "dev" : v)};
  }
}
