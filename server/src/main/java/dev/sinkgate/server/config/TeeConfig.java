package dev.sinkgate.server.config;

import dev.sinkgate.server.remote.TeeRecordSink;
import java.util.List;

/**
 * The settings of a {@code tee} route.
 *
 * @param routes the routes each record goes to, in order; each is defined in the same config,
 *     and no tee reaches itself through them
 * @param ack when the tee answers
 */
public record TeeConfig(List<String> routes, TeeRecordSink.Ack ack) {}
