package dev.sinkgate.server;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering of the gateway, written down and checked: the storage, sink, routing and
 * config layers know nothing of gRPC, so the file log can serve as the spool and the
 * sinks can be used without a server.
 */
class LayeringTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("dev.sinkgate");
  }

  @Test
  void storageSinksRoutesAndConfig_doNotDependOnGrpc() {
    noClasses().that().resideInAnyPackage("dev.sinkgate.server.log..", "dev.sinkgate.server.sink..",
            "dev.sinkgate.server.route..", "dev.sinkgate.server.config..")
        .should().dependOnClassesThat().resideInAnyPackage("io.grpc..", "io.netty..")
        .check(classes);
  }

  @Test
  void lowerLayers_doNotDependOnTheGrpcServiceOrTheMain() {
    noClasses().that().resideInAnyPackage("dev.sinkgate.server.log..", "dev.sinkgate.server.sink..",
            "dev.sinkgate.server.route..", "dev.sinkgate.server.config..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.sinkgate.server.grpc..")
        .orShould().dependOnClassesThat().resideInAPackage("dev.sinkgate.server")
        .check(classes);
  }

  @Test
  void clientLibrary_doesNotDependOnTheServer() {
    noClasses().that().resideInAPackage("dev.sinkgate.client..")
        .should().dependOnClassesThat().resideInAPackage("dev.sinkgate.server..")
        .check(classes);
  }
}
