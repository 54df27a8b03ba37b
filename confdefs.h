/* confdefs.h */
#define PACKAGE_NAME "hardenkit"
#define PACKAGE_TARNAME "hardenkit"
#define PACKAGE_VERSION "0.1.0"
#define PACKAGE_STRING "hardenkit 0.1.0"
#define PACKAGE_BUGREPORT ""
#define PACKAGE_URL ""
