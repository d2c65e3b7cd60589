package dev.sinkgate.client;

import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.NameResolverRegistry;
import io.grpc.Status;
import io.grpc.StatusOr;
import io.grpc.SynchronizationContext;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fixed list of {@code host:port} targets as one channel target: a name resolver that
 * answers the list (each address its own group, so {@code round_robin} spreads calls over
 * all of them). Registered in a registry of the channel's own, never in the default one.
 */
final class StaticTargets {
  static final String SCHEME = "sinkgate-static";
  private static final Pattern HOST_PORT = Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[^:\\[\\]/]+):(\\d{1,5})");

  private StaticTargets() {}

  /** The channel target that {@link #registry} resolves. */
  static String target() {
    return SCHEME + ":///targets";
  }

  /** A registry holding only the resolver for {@code targets}; each must be {@code host:port}. */
  static NameResolverRegistry registry(List<String> targets) {
    List<HostPort> parsed = new ArrayList<>();
    for (String t : targets) {
      parsed.add(parse(t));
    }
    NameResolverRegistry registry = new NameResolverRegistry();
    registry.register(new Provider(List.copyOf(parsed)));
    return registry;
  }

  private static HostPort parse(String target) {
    Matcher m = HOST_PORT.matcher(target);
    if (!m.matches() || Integer.parseInt(m.group(2)) > 65535) {
      throw new IllegalArgumentException("target: '" + target
          + "' (expected: host:port in a list of several targets; dns:/// and unix: name one target each)");
    }
    String host = m.group(1);
    if (host.startsWith("[")) {
      host = host.substring(1, host.length() - 1);
    }
    return new HostPort(host, Integer.parseInt(m.group(2)));
  }

  private record HostPort(String host, int port) {}

  private static final class Provider extends NameResolverProvider {
    private final List<HostPort> targets;

    Provider(List<HostPort> targets) {
      this.targets = targets;
    }

    @Override
    public NameResolver newNameResolver(URI uri, NameResolver.Args args) {
      return SCHEME.equals(uri.getScheme()) ? new Resolver(targets, uri.getAuthority(), args) : null;
    }

    @Override
    public String getDefaultScheme() {
      return SCHEME;
    }

    @Override
    protected boolean isAvailable() {
      return true;
    }

    @Override
    protected int priority() {
      return 5;
    }

    @Override
    public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
      return List.of(InetSocketAddress.class);
    }
  }

  /**
   * Resolves the host names (each refresh, so a name that moves is followed) and answers the
   * list. A lookup may block, so it runs on the channel's offload executor, never on the
   * thread that asked (which may be a transport's event loop); the answer goes back through
   * the channel's synchronization context.
   */
  private static final class Resolver extends NameResolver {
    private final List<HostPort> targets;
    private final String authority;
    private final Executor offload;
    private final SynchronizationContext sync;
    private Listener2 listener;
    /** A lookup is running; guarded by {@link #sync}. */
    private boolean resolving;
    private boolean shutdown;

    Resolver(List<HostPort> targets, String authority, NameResolver.Args args) {
      this.targets = targets;
      this.authority = authority == null ? targets.get(0).host() : authority;
      this.offload = args.getOffloadExecutor() != null ? args.getOffloadExecutor() : Runnable::run;
      this.sync = args.getSynchronizationContext();
    }

    @Override
    public String getServiceAuthority() {
      return authority;
    }

    @Override
    public void start(Listener2 listener) {
      this.listener = listener;
      resolve();
    }

    @Override
    public void refresh() {
      resolve();
    }

    private void resolve() {
      if (resolving || shutdown) {
        return;
      }
      resolving = true;
      offload.execute(() -> {
        StatusOr<List<EquivalentAddressGroup>> result = lookup();
        sync.execute(() -> {
          resolving = false;
          if (!shutdown) {
            listener.onResult(ResolutionResult.newBuilder().setAddressesOrError(result).build());
          }
        });
      });
    }

    private StatusOr<List<EquivalentAddressGroup>> lookup() {
      List<EquivalentAddressGroup> groups = new ArrayList<>();
      for (HostPort t : targets) {
        InetSocketAddress a = new InetSocketAddress(t.host(), t.port());
        if (!a.isUnresolved()) {
          groups.add(new EquivalentAddressGroup(a));
        }
      }
      return groups.isEmpty()
          ? StatusOr.fromStatus(Status.UNAVAILABLE.withDescription("none of the targets " + targets + " resolved"))
          : StatusOr.fromValue(groups);
    }

    @Override
    public void shutdown() {
      shutdown = true;
    }
  }
}
