package dev.sinkgate.server;

import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The gateway's Unix domain socket listeners: their socket files and the epoll event loops
 * they run on.
 *
 * <p>Before binding, a socket file left at a path by a gateway that died is removed; a file
 * that is not a socket, or a socket that some process still accepts on, is left alone and
 * fails the start. Each socket is bound under a private name in the same directory, given
 * the configured mode, and only then linked to its path, so it never appears there with the
 * umask's mode, and the link fails rather than replace a file that appeared meanwhile.
 * {@link #close()} removes the files this gateway bound (only those: a file that has since
 * been replaced is another process's; Netty itself deletes only the private name) and stops
 * the event loops, once the servers on them are down.
 */
final class UnixSockets implements AutoCloseable {
  private static final int S_IFMT = 0170000;
  private static final int S_IFSOCK = 0140000;

  private final List<Path> paths;
  /** Where each path's socket is bound before it is linked to the path (the path itself if that name would not fit). */
  private final List<Path> bindPaths = new ArrayList<>();
  private final Set<PosixFilePermission> mode;
  private final Map<Path, Object> bound = new LinkedHashMap<>();
  private EventLoopGroup loops;

  UnixSockets(List<Path> paths, Set<PosixFilePermission> mode) {
    this.paths = List.copyOf(paths);
    this.mode = Set.copyOf(Objects.requireNonNull(mode, "mode"));
    long pid = ProcessHandle.current().pid();
    for (int i = 0; i < this.paths.size(); i++) {
      Path p = this.paths.get(i).toAbsolutePath();
      Path tmp = p.resolveSibling(".sinkgate-" + pid + "-" + i);
      boolean fits = tmp.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length
          <= dev.sinkgate.server.config.ConfigValues.MAX_SOCKET_PATH_BYTES;
      bindPaths.add(fits ? tmp : this.paths.get(i));
    }
  }

  /**
   * A server builder listening on every path, after clearing stale socket files (each
   * reported to {@code warnings}) and creating missing parent directories.
   */
  NettyServerBuilder serverBuilder(Consumer<String> warnings) throws IOException {
    if (!Epoll.isAvailable()) {
      throw new IOException("Unix socket listeners need Netty's epoll transport (Linux, x86_64), which did not load: "
          + Epoll.unavailabilityCause());
    }
    for (Path p : paths) {
      clearStale(p, warnings);
    }
    for (int i = 0; i < paths.size(); i++) {
      if (!bindPaths.get(i).equals(paths.get(i))) {
        clearStale(bindPaths.get(i), w -> {}); // a private name a killed gateway with this pid left
      }
    }
    loops = new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(),
        new DefaultThreadFactory("sinkgate-uds", true), EpollIoHandler.newFactory());
    NettyServerBuilder b = NettyServerBuilder.forAddress(new DomainSocketAddress(bindPaths.get(0).toString()));
    for (Path p : bindPaths.subList(1, bindPaths.size())) {
      b.addListenAddress(new DomainSocketAddress(p.toString()));
    }
    return b.channelType(EpollServerDomainSocketChannel.class).bossEventLoopGroup(loops).workerEventLoopGroup(loops)
        // grpc-java asks every accepted connection for TCP keep-alive, which a Unix socket has
        // not: without this, Netty logs "Unknown channel option 'SO_KEEPALIVE'" per connection.
        .withChildOption(ChannelOption.SO_KEEPALIVE, null);
  }

  /**
   * Once the server is listening: gives each socket its mode, links it to its path (failing
   * if a file appeared there since the start) and remembers which file is ours.
   */
  void bound() throws IOException {
    for (int i = 0; i < paths.size(); i++) {
      Path p = paths.get(i);
      Path tmp = bindPaths.get(i);
      try {
        Files.setPosixFilePermissions(tmp, mode);
      } catch (IOException e) {
        throw new IOException("cannot set mode " + PosixFilePermissions.toString(mode) + " on socket " + tmp + ": " + e, e);
      }
      if (!tmp.equals(p)) {
        try {
          Files.createLink(p, tmp);
        } catch (FileAlreadyExistsException e) {
          throw new IOException("cannot listen on unix://" + p.toAbsolutePath() + ": a file appeared at the path while"
              + " the gateway was starting (is another gateway starting?)", e);
        } finally {
          Files.deleteIfExists(tmp);
        }
      }
      bound.put(p, Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey());
    }
  }

  List<Path> paths() {
    return paths;
  }

  /** Removes the socket files this gateway bound and stops the event loops. Call once the servers are down. */
  @Override
  public void close() {
    for (Map.Entry<Path, Object> e : bound.entrySet()) {
      try {
        Object key = Files.readAttributes(e.getKey(), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        if (Objects.equals(key, e.getValue())) {
          Files.deleteIfExists(e.getKey());
        }
      } catch (NoSuchFileException gone) {
        // Netty removes the file when the listening channel closes: nothing left to do.
      } catch (IOException ignored) {
        // Best effort: the next start clears a stale file anyway.
      }
    }
    bound.clear();
    if (loops != null) {
      loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
      loops = null;
    }
  }

  /**
   * Removes the socket file at {@code path} if nothing accepts on it (a gateway that died
   * left it); fails if it is not a socket or is still served.
   */
  static void clearStale(Path path, Consumer<String> warnings) throws IOException {
    Path parent = path.toAbsolutePath().getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      Files.createDirectories(parent);
    }
    int fileMode;
    try {
      fileMode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return;
    }
    if ((fileMode & S_IFMT) != S_IFSOCK) {
      throw new IOException("cannot listen on unix://" + path.toAbsolutePath() + ": a file that is not a socket is"
          + " there (expected: no file, or a socket left by an earlier gateway); remove it or choose another path");
    }
    try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      // Non-blocking: a live listener with a full backlog answers "pending", not a hang.
      probe.configureBlocking(false);
      probe.connect(UnixDomainSocketAddress.of(path));
    } catch (ConnectException refused) {
      Files.deleteIfExists(path);
      warnings.accept("removed stale socket " + path + " (nothing was accepting on it)");
      return;
    } catch (IOException e) {
      if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
        return; // gone between the look and the probe
      }
      throw new IOException("cannot listen on unix://" + path.toAbsolutePath() + ": cannot tell whether the socket"
          + " there is still served (" + e.getMessage() + "); remove it or choose another path", e);
    }
    throw new IOException("cannot listen on unix://" + path.toAbsolutePath() + ": another process is accepting"
        + " connections on it (is another gateway running?)");
  }

  /** The paths of {@code addresses}' Unix sockets, in order. */
  static List<Path> pathsOf(List<? extends java.net.SocketAddress> addresses) {
    List<Path> out = new ArrayList<>();
    for (java.net.SocketAddress a : addresses) {
      if (a instanceof UnixDomainSocketAddress u) {
        out.add(u.getPath());
      }
    }
    return out;
  }
}
