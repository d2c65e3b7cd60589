package dev.sinkgate.server;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering of the gateway, written down and checked: the storage, sink, routing and
 * config layers know nothing of gRPC, so the file log can serve as the spool and the
 * sinks can be used without a server.
 */
class LayeringTest {
  private static final String[] LOWER_LAYERS = {"dev.sinkgate.server.log..", "dev.sinkgate.server.sink..",
      "dev.sinkgate.server.route..", "dev.sinkgate.server.config..", "dev.sinkgate.server.spool.."};

  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("dev.sinkgate");
  }

  private static void assertHolds(ArchRule rule) {
    EvaluationResult result = rule.evaluate(classes);
    assertFalse(result.hasViolation(), () -> result.getFailureReport().toString());
  }

  @Test
  void storageSinksRoutesAndConfig_doNotDependOnGrpc() {
    assertHolds(noClasses().that().resideInAnyPackage(LOWER_LAYERS)
        .should().dependOnClassesThat().resideInAnyPackage("io.grpc..", "io.netty.."));
  }

  @Test
  void lowerLayers_doNotDependOnTheGrpcServiceOrTheMain() {
    assertHolds(noClasses().that().resideInAnyPackage(LOWER_LAYERS)
        .should().dependOnClassesThat().resideInAnyPackage("dev.sinkgate.server.grpc..")
        .orShould().dependOnClassesThat().resideInAPackage("dev.sinkgate.server"));
  }

  @Test
  void clientLibrary_doesNotDependOnTheServer() {
    assertHolds(noClasses().that().resideInAPackage("dev.sinkgate.client..")
        .should().dependOnClassesThat().resideInAPackage("dev.sinkgate.server.."));
  }

  @Test
  void theRules_seeRealDependencies() {
    // Guards against rules that pass because nothing was imported: the gRPC layer does
    // depend on io.grpc, so the same rule aimed at it must report a violation.
    EvaluationResult grpcLayer = noClasses().that().resideInAPackage("dev.sinkgate.server.grpc..")
        .should().dependOnClassesThat().resideInAnyPackage("io.grpc..")
        .evaluate(classes);
    assertTrue(grpcLayer.hasViolation(), "the importer found no io.grpc use in the gRPC layer");
  }
}
