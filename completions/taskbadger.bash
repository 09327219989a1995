# taskbadger completion for bash; written by scripts/generate_completions.py

_taskbadger() {
    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"
    local command="" after_dashes=0 i
    for ((i = 1; i < COMP_CWORD; i++)); do
        if [[ -n $command ]]; then
            [[ ${COMP_WORDS[i]} == -- ]] && after_dashes=$((i + 1))
            continue
        fi
        case "${COMP_WORDS[i]}" in
            --org|-o|--project|-p) ((i++)) ;;
            -*) ;;
            *) command="${COMP_WORDS[i]}" ;;
        esac
    done

    case "$command" in
        "")
            case "$prev" in --org|-o|--project|-p) return ;; esac
            COMPREPLY=($(compgen -W "configure info create update get list cancel watch run --org -o --project -p --version -h --help" -- "$cur"))
            ;;
        configure)
            case "$prev" in
                --host|--org|-o|--project|-p) return ;;
            esac
            if [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W "--token-stdin --host --org -o --project -p -h --help" -- "$cur"))
            fi
            ;;
        info)
            if [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W "-h --help" -- "$cur"))
            fi
            ;;
        create)
            case "$prev" in
                --status|-s) COMPREPLY=($(compgen -W "pending pre_processing processing post_processing success error cancelled stale" -- "$cur")); return ;;
                --format|-f) COMPREPLY=($(compgen -W "text json csv" -- "$cur")); return ;;
                --value|--value-max|--data|-d|--data-json|--tag|-t|--monitor-id|--queue|--external-id|--parent|--max-runtime|--stale-timeout) return ;;
            esac
            if [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W "--status -s --value --value-max --data -d --data-json --tag -t --monitor-id --queue --external-id --parent --max-runtime --stale-timeout --quiet -q --format -f -h --help" -- "$cur"))
            fi
            ;;
        update)
            case "$prev" in
                --status|-s) COMPREPLY=($(compgen -W "pending pre_processing processing post_processing success error cancelled stale" -- "$cur")); return ;;
                --format|-f) COMPREPLY=($(compgen -W "text json csv" -- "$cur")); return ;;
                --name|--value|--value-max|--increment|-i|--data|-d|--data-json|--tag|-t|--queue|--external-id|--max-runtime|--stale-timeout) return ;;
            esac
            if [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W "--name --status -s --value --value-max --increment -i --data -d --data-json --replace-data --tag -t --queue --external-id --max-runtime --stale-timeout --format -f -h --help" -- "$cur"))
            fi
            ;;
        get)
            case "$prev" in
                --format|-f) COMPREPLY=($(compgen -W "text json csv" -- "$cur")); return ;;
            esac
            if [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W "--format -f -h --help" -- "$cur"))
            fi
            ;;
        list)
            case "$prev" in
                --format|-f) COMPREPLY=($(compgen -W "text json csv" -- "$cur")); return ;;
                --limit|-n|--cursor|--parent) return ;;
            esac
            if [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W "--limit -n --cursor --all -a --parent --format -f -h --help" -- "$cur"))
            fi
            ;;
        cancel)
            if [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W "-h --help" -- "$cur"))
            fi
            ;;
        watch)
            case "$prev" in
                --format|-f) COMPREPLY=($(compgen -W "text json csv" -- "$cur")); return ;;
                --interval) return ;;
            esac
            if [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W "--interval --format -f -h --help" -- "$cur"))
            fi
            ;;
        run)
            if ((after_dashes)); then
                if ((COMP_CWORD == after_dashes)); then
                    COMPREPLY=($(compgen -c -- "$cur"))
                else
                    COMPREPLY=($(compgen -f -- "$cur"))
                fi
                return
            fi
            case "$prev" in
                --timeout|--kill-after|--capture-limit|--progress-pattern|--update-frequency|--data|-d|--tag|-t|--value-max|--max-runtime|--stale-timeout|--monitor-id) return ;;
            esac
            if [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W "--shell --timeout --kill-after --capture-output --capture-limit --progress-pattern --update-frequency --no-record-command --data -d --tag -t --value-max --max-runtime --stale-timeout --monitor-id --quiet -q -h --help" -- "$cur"))
            fi
            ;;
    esac
}

complete -F _taskbadger taskbadger
