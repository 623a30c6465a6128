## t/evpp.mk - ev++.h, the C++ interface, and its test.

evixinclude_HEADERS += include/ev++.h

## the whole ev++.h surface, with the compiler's default C++ standard
check_PROGRAMS += t/evpp_api
TESTS += t/evpp_api
t_evpp_api_SOURCES = t/evpp_api.cc
t_evpp_api_CPPFLAGS = $(T_EVIX_CPPFLAGS)
t_evpp_api_LDADD = $(T_EVIX_LIBS)
if HAVE_LIBEV
check_PROGRAMS += t/evpp_api-libev
TESTS += t/evpp_api-libev
t_evpp_api_libev_SOURCES = t/evpp_api.cc
t_evpp_api_libev_CPPFLAGS = $(T_LIBEV_CPPFLAGS)
t_evpp_api_libev_LDADD = $(T_LIBEV_LIBS)
endif

## the same against evix's header in each C++ standard it must support
## (libev's own ev++.h does not compile as C++98, so no libev twins)
check_PROGRAMS += t/evpp_api_cxx98 t/evpp_api_cxx11 t/evpp_api_cxx17
TESTS += t/evpp_api_cxx98 t/evpp_api_cxx11 t/evpp_api_cxx17
t_evpp_api_cxx98_SOURCES = t/evpp_api.cc
t_evpp_api_cxx98_CPPFLAGS = $(T_EVIX_CPPFLAGS)
t_evpp_api_cxx98_CXXFLAGS = $(AM_CXXFLAGS) -std=c++98
t_evpp_api_cxx98_LDADD = $(T_EVIX_LIBS)
t_evpp_api_cxx11_SOURCES = t/evpp_api.cc
t_evpp_api_cxx11_CPPFLAGS = $(T_EVIX_CPPFLAGS)
t_evpp_api_cxx11_CXXFLAGS = $(AM_CXXFLAGS) -std=c++11
t_evpp_api_cxx11_LDADD = $(T_EVIX_LIBS)
t_evpp_api_cxx17_SOURCES = t/evpp_api.cc
t_evpp_api_cxx17_CPPFLAGS = $(T_EVIX_CPPFLAGS)
t_evpp_api_cxx17_CXXFLAGS = $(AM_CXXFLAGS) -std=c++17
t_evpp_api_cxx17_LDADD = $(T_EVIX_LIBS)
